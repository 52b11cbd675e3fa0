"""Custom events (`POST /v1/events`): a named thing that happened to a member, which fires the `event` rules
whose `conditions.event` names it, in the same transaction as the event is recorded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import Business, Event, Member, now
from loyalty.errors import Forbidden, InvalidInput
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.sale import awards

NAME_MAX = 100  # the column's length


@dataclass(frozen=True)
class Happened:
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
    return Happened(event, member, applied)


@dataclass(frozen=True)
class Submitted:
    """An event recorded by `submit`, read in its transaction: what a door answers with."""

    business: Business
    happened: Happened


def submit(db: Database, who: Principal, member_id: uuid.UUID, name: str) -> Submitted:
    """A till or an admin reports that `name` happened to the member (`/v1/events`, Como `submitEvent`): the event
    rules that name it fire in the same transaction; a blocked or pending member is refused (member_<status>)."""
    if who.kind not in ("admin", "pos"):
        raise Forbidden("forbidden", "Events are submitted with an admin or pos key.")

    def work(session: Session) -> Submitted:
        business = access.business(session, who.business_id)
        return Submitted(
            business, happen(session, business=business, member_id=member_id, name=name, at=now(), actor=who.actor)
        )

    return db.write(work)
