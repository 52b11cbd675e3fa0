"""How the delivery queue stands, for /metrics and the operations guide's alerts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import WebhookDelivery, WebhookEndpoint, now
from loyalty.messages import outbound


@dataclass(frozen=True)
class Depth:
    pending: int
    oldest_seconds: float
    paused: bool


def depth(db: Database) -> Depth:
    with db.read() as session:
        # Deliveries to a switched-off endpoint wait on purpose: they are not a queue that is stuck.
        count, oldest = session.execute(
            select(func.count(), func.min(WebhookDelivery.created_at))
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == "pending", WebhookEndpoint.enabled.is_(True))
        ).one()
        paused = outbound.paused(session)
    age = (now() - oldest).total_seconds() if oldest is not None else 0.0
    return Depth(pending=int(count), oldest_seconds=round(max(age, 0.0), 3), paused=paused)
