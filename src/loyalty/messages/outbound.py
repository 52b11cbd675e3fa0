"""The switch that holds everything leaving the house (texts, e-mails, webhooks) after a restore: a restored copy
must not re-send what the original already sent, nor text members from a test machine, until an operator says so
(`loyalty outbound resume`). Held texts and e-mails are dropped with a log line; webhooks wait in their queue."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import OutboundState, now
from loyalty.messages.notify import Message, Notifier

log = logging.getLogger("loyalty.messages.outbound")


def paused(session: Session) -> bool:
    row = session.get(OutboundState, 1)
    return bool(row is not None and row.paused)


def set_paused(session: Session, paused: bool, reason: str = "") -> None:
    row = session.get(OutboundState, 1)
    if row is None:
        row = OutboundState(id=1)
        session.add(row)
    row.paused = paused
    row.reason = reason if paused else ""
    row.since = now() if paused else None


class Held:
    """A notifier that asks the database first whether outgoing messages are held."""

    def __init__(self, db: Database, inner: Notifier) -> None:
        self.db = db
        self.inner = inner

    def send(self, message: Message) -> None:
        with self.db.read() as session:
            if paused(session):
                log.warning("outgoing message held: outbound is paused", extra={"member": message.member_id})
                return
        self.inner.send(message)
