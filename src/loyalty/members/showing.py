"""The code a member shows at the till (their app asks for it), and what an admin sees of guessing at the tills:
the risk of a guessed code, the tills paused by failed searches, and lifting a pause."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Member, now
from loyalty.members import access, identification, lockouts, reading
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.settings import Settings


@dataclass(frozen=True)
class Shown:
    code: str
    qr: str
    expires_at: datetime
    server_time: datetime


@dataclass(frozen=True)
class Lockouts:
    window_seconds: int
    business_failures: int
    business_limit: int
    business_paused: bool
    terminals: list[lockouts.TerminalFailures]


def new_code(db: Database, who: Principal, member_id: uuid.UUID) -> Shown:
    """A new code for the member, replacing the live one ("New code" in the app, or an admin)."""
    reading.kinds(who, "member", "admin")
    if who.kind == "member" and who.member_id != member_id:
        raise members.MemberNotFound()  # another member's id: the same answer as a missing one

    def work(session: Session) -> Shown:
        business = access.business(session, who.business_id)
        issued = identification.issue_code(session, business=business, member_id=member_id, at=now())
        member = scoped.get(session, Member, member_id, business_id=business.id)
        record(session, business.id, actor=who.actor, action="member.identification_code", obj=member)
        return Shown(issued.code, issued.qr, issued.expires_at, now())

    return db.write(work)


def live_code(db: Database, who: Principal) -> Shown:
    """The member's live code, the same on every device of the member; a new one only when none is live."""
    reading.kinds(who, "member")
    assert who.member_id is not None  # every member key belongs to a member
    member_id = who.member_id

    def work(session: Session) -> Shown:
        business = access.business(session, who.business_id)
        shown = identification.current_code(session, business=business, member_id=member_id, at=now())
        return Shown(shown.code, shown.qr, shown.expires_at, now())

    return db.write(work)


def risk(db: Database, who: Principal, settings: Settings) -> identification.Risk:
    reading.kinds(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return identification.risk(session, business=business, settings=settings, at=now())


def paused_tills(db: Database, who: Principal, settings: Settings) -> Lockouts:
    """Tills with failed searches in the window, paused ones first, and the business-wide count."""
    reading.kinds(who, "admin")
    at = now()
    with db.read() as session:
        business = access.business(session, who.business_id)
        tills = lockouts.by_terminal(session, business=business, settings=settings, at=at)
        total = lockouts.business_failures(session, business=business, settings=settings, at=at)
    return Lockouts(
        window_seconds=settings.identify_window_seconds,
        business_failures=total,
        business_limit=settings.identify_failures_per_business,
        business_paused=total >= settings.identify_failures_per_business,
        terminals=tills,
    )


def lift(db: Database, who: Principal, terminal_id: uuid.UUID | None) -> int:
    """Let a paused till search again (every till without `terminal_id`): the failures forgotten."""
    reading.kinds(who, "admin")

    def work(session: Session) -> int:
        business = access.business(session, who.business_id)
        return lockouts.lift(session, business=business, terminal_id=terminal_id, actor=who.actor)

    return db.write(work)
