"""The webhook use cases a business's admin key has: endpoints (made, listed, changed, deleted, secret rotated),
their deliveries (listed, retried) and a test event. Each opens and commits its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import programme
from loyalty.db.engine import Database
from loyalty.db.models import Business, WebhookDelivery, WebhookEndpoint, WebhookEvent, now
from loyalty.errors import InvalidInput, NotFound
from loyalty.webhooks import addresses, delivery, signing
from loyalty.webhooks.outbox import EVENT_TYPES, TEST_EVENT, record_event

MAX_ENDPOINTS = 20


@dataclass(frozen=True)
class Changes:
    """What a PATCH names; None leaves a field as it is."""

    url: str | None = None
    events: Sequence[str] | None = None
    description: str | None = None
    enabled: bool | None = None


def check_events(events: Sequence[str]) -> list[str]:
    if not events:
        raise InvalidInput("events", 'name at least one event type, or ["*"] for all')
    for index, name in enumerate(events):
        if name != "*" and name not in EVENT_TYPES:
            raise InvalidInput(f"events.{index}", f"{name!r} is not an event type; one of {', '.join(EVENT_TYPES)}")
    return ["*"] if "*" in events else sorted(set(events))


def view(endpoint: WebhookEndpoint, *, secret: str | None = None) -> dict[str, Any]:
    failing = endpoint.consecutive_failures >= delivery.FLAG_AFTER_FAILURES
    body: dict[str, Any] = {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "status": "disabled" if not endpoint.enabled else "failing" if failing else "active",
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at.isoformat(),
        "updated_at": endpoint.updated_at.isoformat(),
    }
    if secret is not None:
        body["secret"] = secret  # shown once: when made and when rotated
    return body


def delivery_view(row: WebhookDelivery, event_type: str) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "type": event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "last_attempt_at": row.last_attempt_at.isoformat() if row.last_attempt_at else None,
        "response_status": row.response_status,
        "error": row.last_error,
        "created_at": row.created_at.isoformat(),
    }


def _own(session: Session, business_id: uuid.UUID, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    found = session.get(WebhookEndpoint, endpoint_id)
    if found is None or found.business_id != business_id:
        raise NotFound("webhook")
    return found


def _endpoints_changed(session: Session, business_id: uuid.UUID) -> None:
    """The outbox keeps each business's endpoints with its programme's version: move it."""
    business = session.get(Business, business_id)
    if business is not None:
        programme.changed(session, business)


def create(
    db: Database,
    *,
    business_id: uuid.UUID,
    url: str,
    events: Sequence[str],
    description: str,
    allow_private: bool,
    actor: str,
) -> dict[str, Any]:
    url = addresses.check_url(url, allow_private=allow_private)
    chosen = check_events(events)
    secret = signing.new_secret()

    def work(session: Session) -> dict[str, Any]:
        count = len(session.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.business_id == business_id)).all())
        if count >= MAX_ENDPOINTS:
            raise InvalidInput("url", f"a business has at most {MAX_ENDPOINTS} webhook endpoints")
        at = now()
        endpoint = WebhookEndpoint(
            business_id=business_id,
            url=url,
            events=chosen,
            description=description,
            secret=secret,
            enabled=True,
            consecutive_failures=0,
            created_at=at,
            updated_at=at,
        )
        session.add(endpoint)
        session.flush()
        _endpoints_changed(session, business_id)
        # Member data leaves the house through it: who added which address is kept.
        record(session, business_id, actor=actor, action="webhook.create", obj=endpoint, details={"url": url})
        return view(endpoint, secret=secret)

    return db.write(work)


def listed(db: Database, *, business_id: uuid.UUID) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.business_id == business_id)
            .order_by(WebhookEndpoint.created_at)
        )
        return [view(row) for row in rows]


def get(db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID) -> dict[str, Any]:
    with db.read() as session:
        return view(_own(session, business_id, endpoint_id))


def update(
    db: Database,
    *,
    business_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    changes: Changes,
    allow_private: bool,
    actor: str,
) -> dict[str, Any]:
    url = addresses.check_url(changes.url, allow_private=allow_private) if changes.url is not None else None
    events = check_events(changes.events) if changes.events is not None else None

    def work(session: Session) -> dict[str, Any]:
        endpoint = _own(session, business_id, endpoint_id)
        if url is not None:
            endpoint.url = url
        if events is not None:
            endpoint.events = events
        if changes.description is not None:
            endpoint.description = changes.description
        if changes.enabled is not None:
            endpoint.enabled = changes.enabled
            if changes.enabled:
                endpoint.consecutive_failures = 0  # switched back on: a fresh start
        endpoint.updated_at = now()
        session.flush()
        _endpoints_changed(session, business_id)
        details = {"url": endpoint.url, "fields": [name for name, value in vars(changes).items() if value is not None]}
        record(session, business_id, actor=actor, action="webhook.update", obj=endpoint, details=details)
        return view(endpoint)

    return db.write(work)


def rotate_secret(db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID, actor: str) -> dict[str, Any]:
    secret = signing.new_secret()

    def work(session: Session) -> dict[str, Any]:
        endpoint = _own(session, business_id, endpoint_id)
        endpoint.secret = secret
        endpoint.updated_at = now()
        record(session, business_id, actor=actor, action="webhook.rotate_secret", obj=endpoint)
        return view(endpoint, secret=secret)

    return db.write(work)


def delete(db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID, actor: str) -> None:
    def work(session: Session) -> None:
        endpoint = _own(session, business_id, endpoint_id)
        for row in session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)):
            session.delete(row)
        record(session, business_id, actor=actor, action="webhook.delete", obj=endpoint, details={"url": endpoint.url})
        session.delete(endpoint)
        _endpoints_changed(session, business_id)

    db.write(work)


def deliveries(
    db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID, limit: int = 50
) -> list[dict[str, Any]]:
    with db.read() as session:
        endpoint = _own(session, business_id, endpoint_id)
        rows = session.execute(
            select(WebhookDelivery, WebhookEvent.type)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(limit)
        )
        return [delivery_view(row, event_type) for row, event_type in rows]


def _one_delivery(session: Session, business_id: uuid.UUID, delivery_id: uuid.UUID) -> dict[str, Any]:
    row, event_type = session.execute(
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.business_id == business_id)
    ).one()
    return delivery_view(row, event_type)


def retry(
    db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, allow_private: bool
) -> dict[str, Any]:
    """Send the delivery again now, whatever its status; its three days start again."""

    def work(session: Session) -> None:
        endpoint = _own(session, business_id, endpoint_id)
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or row.endpoint_id != endpoint.id:
            raise NotFound("delivery")
        at = now()
        row.status = "pending"
        row.next_attempt_at = at
        row.created_at = at

    db.write(work)
    return _send_now(db, business_id, delivery_id, allow_private=allow_private)


def test(db: Database, *, business_id: uuid.UUID, endpoint_id: uuid.UUID, allow_private: bool) -> dict[str, Any]:
    """A `webhook.test` event to this endpoint alone, sent at once; the delivery as it stands after."""

    def work(session: Session) -> uuid.UUID:
        endpoint = _own(session, business_id, endpoint_id)
        data = {"message": "A test from loyalty: this endpoint receives events.", "endpoint_id": str(endpoint.id)}
        event_id = record_event(session, business_id, TEST_EVENT, data, only_endpoint=endpoint.id)
        if event_id is None:  # a disabled endpoint subscribes to nothing
            raise InvalidInput("enabled", "the endpoint is disabled; enable it to send a test")
        return session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id)).one()

    delivery_id = db.write(work)
    return _send_now(db, business_id, delivery_id, allow_private=allow_private)


def _send_now(db: Database, business_id: uuid.UUID, delivery_id: uuid.UUID, *, allow_private: bool) -> dict[str, Any]:
    at: datetime = now()
    for job in delivery.claim(db, at=at, delivery_id=delivery_id):  # none while outbound is paused
        delivery.record(db, job, delivery.send(job, allow_private=allow_private), at=now())
    with db.read() as session:
        return _one_delivery(session, business_id, delivery_id)
