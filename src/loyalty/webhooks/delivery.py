"""Sending deliveries: at least once, retried with growing delays for three days, then `failed`.

A worker claims due deliveries in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers
and servers take different rows; SQLite has one writer at a time anyway) and moves each one's `next_attempt_at`
past a lease, so no other worker takes it while it is being sent. The HTTP call runs outside any transaction; its
outcome is written in a second one. A worker that dies mid-send leaves the delivery to be taken again when the
lease ends: the receiver may then see it twice, with the same `webhook-id`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import metrics
from loyalty.db.engine import Database
from loyalty.db.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, now
from loyalty.messages import outbound
from loyalty.webhooks import addresses, signing

log = logging.getLogger("loyalty.webhooks")

# Delays after the 1st, 2nd, … failed attempt; the last one repeats until the three days are over.
DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
GIVE_UP_AFTER = timedelta(days=3)
LEASE = timedelta(minutes=2)  # far longer than one attempt can take (TIMEOUT)
TIMEOUT = 10.0
FLAG_AFTER_FAILURES = 10  # failed attempts in a row that flag an endpoint `failing`


@dataclass(frozen=True)
class Job:
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    url: str
    secret: str
    body: str


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the receiver's HTTP status, None when there was no answer
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def delay_after(attempts: int) -> timedelta:
    return DELAYS[min(attempts, len(DELAYS)) - 1]


def claim(db: Database, *, at: datetime, limit: int = 20, delivery_id: uuid.UUID | None = None) -> list[Job]:
    """Take up to `limit` due deliveries (or the one named) for this worker; none while outbound is paused."""
    if delivery_id is None and not _any_due(db, at):
        return []  # an idle poll costs a read, not a write transaction (on SQLite, the file's write lock)

    def work(session: Session) -> list[Job]:
        if outbound.paused(session):
            return []
        query = (
            select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret, WebhookEvent.body)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.status == "pending", WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        query = query.where(WebhookDelivery.next_attempt_at <= at)  # a leased one is being sent by another
        if delivery_id is not None:
            query = query.where(WebhookDelivery.id == delivery_id)
        jobs = []
        for delivery, url, secret, body in session.execute(query):
            delivery.next_attempt_at = at + LEASE
            jobs.append(Job(delivery.id, delivery.event_id, url, secret, body))
        return jobs

    return db.write(work)


def _any_due(db: Database, at: datetime) -> bool:
    with db.read() as session:
        due = session.scalar(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= at)
            .limit(1)
        )
    return due is not None


def send(job: Job, *, allow_private: bool, client: httpx.Client | None = None) -> Outcome:
    try:
        addresses.check_host(urlsplit(job.url).hostname or "", allow_private=allow_private)
    except addresses.AddressRefused as refused:
        return Outcome(None, str(refused))
    headers = signing.headers(job.secret, message_id=str(job.event_id), at=now(), body=job.body)
    headers |= {"content-type": "application/json", "user-agent": "loyalty-webhooks"}
    try:
        if client is None:
            with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as own:
                answer = own.post(job.url, content=job.body.encode(), headers=headers)
        else:
            answer = client.post(job.url, content=job.body.encode(), headers=headers)
    except httpx.HTTPError as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500])
    return Outcome(answer.status_code, None if 200 <= answer.status_code < 300 else f"answered {answer.status_code}")


def record(db: Database, job: Job, outcome: Outcome, *, at: datetime) -> str:
    """Write the attempt's outcome; the delivery's status after it."""

    def work(session: Session) -> str:
        delivery = session.get(WebhookDelivery, job.delivery_id)
        if delivery is None:  # its endpoint was deleted meanwhile
            return "gone"
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        delivery.attempts += 1
        delivery.last_attempt_at = at
        delivery.response_status = outcome.status
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.status = "delivered"
            if endpoint is not None:
                endpoint.consecutive_failures = 0
            return "delivered"
        if endpoint is not None:
            endpoint.consecutive_failures = WebhookEndpoint.consecutive_failures + 1
        following = at + delay_after(delivery.attempts)
        if following > delivery.created_at + GIVE_UP_AFTER:
            delivery.status = "failed"
            return "failed"
        delivery.next_attempt_at = following
        return "retry"

    status = db.write(work)
    if status != "gone":
        metrics.DELIVERIES.labels(status).inc()
    if status != "delivered":
        log.info("webhook delivery not accepted", extra={"delivery": str(job.delivery_id), "outcome": status})
    return status


def deliver_due(
    db: Database,
    *,
    allow_private: bool,
    at: datetime | None = None,
    limit: int = 20,
    client: httpx.Client | None = None,
) -> int:
    """Claim and send what is due; how many attempts were made."""
    jobs = claim(db, at=at or now(), limit=limit)
    for job in jobs:
        record(db, job, send(job, allow_private=allow_private, client=client), at=at or now())
    return len(jobs)
