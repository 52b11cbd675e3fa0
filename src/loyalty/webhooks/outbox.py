"""`record_event`: the one call a service makes where a change happens. The event row and one delivery per
subscribed endpoint are written in the caller's transaction, so an event exists exactly when its change committed.
What a committed event means for the figures (`loyalty.metrics`), and waking the delivery thread, happen after
COMMIT, never for a change that rolled back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from loyalty import metrics
from loyalty.db import held, programme
from loyalty.db.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, new_id, now
from loyalty.db.rows import insert_rows

EVENT_TYPES = (
    "member.created",
    "member.updated",
    "member.erased",
    "purchase.confirmed",
    "purchase.cancelled",
    "purchase.returned",
    "points.expired",
    "benefit.granted",
    "benefit.redeemed",
    "tier.changed",
    "credit.topped_up",
)
TEST_EVENT = "webhook.test"

_COMMITTED = "loyalty.webhooks.committed"
_QUEUED = "loyalty.webhooks.queued"
# Called after a COMMIT that queued deliveries (the delivery threads of this process listen).
wake_listeners: list[Callable[[], None]] = []


def record_event(
    session: Session,
    business_id: uuid.UUID,
    type: str,
    data: Mapping[str, Any],
    *,
    only_endpoint: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Write the event for every endpoint of the business that subscribes to `type`; the event's id, or None
    when no endpoint wants it (then nothing is written)."""
    at = now()
    session.info.setdefault(_COMMITTED, []).append((type, data))
    if only_endpoint is not None:
        query = select(WebhookEndpoint.id).where(
            WebhookEndpoint.business_id == business_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.id == only_endpoint,
        )
        targets = list(session.scalars(query))
    else:
        targets = [
            endpoint_id for endpoint_id, events in _subscribed(session, business_id) if "*" in events or type in events
        ]
    if not targets:
        return None
    event_id = new_id()
    body = json.dumps({"type": type, "timestamp": at.isoformat(), "data": data}, separators=(",", ":"), default=_plain)
    insert_rows(
        session,
        WebhookEvent,
        [{"id": event_id, "business_id": business_id, "type": type, "body": body, "created_at": at}],
        flush=False,
    )
    deliveries = [
        {
            "id": new_id(),
            "business_id": business_id,
            "endpoint_id": endpoint_id,
            "event_id": event_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
        }
        for endpoint_id in targets
    ]
    insert_rows(session, WebhookDelivery, deliveries, flush=False)
    session.info[_QUEUED] = True
    return event_id


_subscribed_cache: dict[uuid.UUID, tuple[int, Any]] = {}


def _subscribed(session: Session, business_id: uuid.UUID) -> list[tuple[uuid.UUID, list[str]]]:
    """The business's switched-on endpoints and their events. Kept per business with its programme's version
    (`programme.cached_for`), which every change of an endpoint moves, when the transaction holds the business
    row (read first by the key check or the use case): a purchase then sends no statement for them."""

    def read() -> list[tuple[uuid.UUID, list[str]]]:
        query = select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.business_id == business_id, WebhookEndpoint.enabled.is_(True)
        )
        return [(endpoint_id, list(events)) for endpoint_id, events in session.execute(query)]

    business = held.business(session, business_id)
    if business is None:
        return read()
    found: list[tuple[uuid.UUID, list[str]]] = programme.cached_for(_subscribed_cache, session, business, read)
    return found


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for event_type, data in session.info.pop(_COMMITTED, ()):
        metrics.committed_event(event_type, data)
    if session.info.pop(_QUEUED, False):
        for wake in list(wake_listeners):
            wake()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_COMMITTED, None)
    session.info.pop(_QUEUED, None)
