"""Custom events (`POST /v1/events`): a named thing that happened to a member, which fires the `event` rules
whose `conditions.event` names it, in the same transaction as the event is recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty import idempotency
from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import Business, Event, Member, now
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.sale import awards

NAME_MAX = 100  # the column's length


@dataclass(frozen=True)
class Happened:
    business: Business
    event: Event
    member: Member
    applied: awards.Applied


def happen(
    session: Session, *, business: Business, member_id: uuid.UUID, name: str, at: datetime, actor: str
) -> Happened:
    """Record the event `name` for the member and apply what the event rules give them."""
    text = name.strip()
    if not text or len(text) > NAME_MAX:
        raise InvalidInput("name", f"must be an event name of 1 to {NAME_MAX} characters")
    member = members.require_active(members.get(session, business_id=business.id, member_id=member_id))
    event = Event(business_id=business.id, member_id=member.id, name=text, at=at)
    session.add(event)
    session.flush()
    record(session, business.id, actor=actor, action="event.record", obj=event, details={"name": text})
    applied = awards.fire(session, business=business, member=member, trigger="event", event=text, at=at)
    return Happened(business, event, member, applied)


@dataclass(frozen=True)
class NewEvent:
    member_id: uuid.UUID
    name: str


def record_event(db: Database, who: Principal, new: NewEvent) -> Happened:
    """The event happened now, told by a till or an admin: recorded with what its rules gave, in one transaction."""
    access.require_kind(who, "admin", "pos")
    return db.write(lambda session: _happen_now(session, who, new))


def record_event_once(
    db: Database, who: Principal, new: NewEvent, once: idempotency.Once[Happened]
) -> idempotency.Answer:
    """As `record_event`, once per key: a retry with the same key and request gets the first answer again."""
    access.require_kind(who, "admin", "pos")
    return db.write(lambda session: idempotency.run_once(session, once, lambda: _happen_now(session, who, new)))


def _happen_now(session: Session, who: Principal, new: NewEvent) -> Happened:
    business = access.business(session, who.business_id)
    return happen(session, business=business, member_id=new.member_id, name=new.name, at=now(), actor=who.actor)
