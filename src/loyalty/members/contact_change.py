"""The member changes their own phone or e-mail address in the app: a code goes to the new address, and only that
code, sent back, makes it theirs (proven). Whoever held the address unproven loses it (`claims`); one who proved
it keeps it (409 `member_exists`). Every app session of the member ends, this one is given a new key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import InvalidInput
from loyalty.members import access, app_limits, claims, member_login, reading, texting
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.messages import notify
from loyalty.settings import Settings


@dataclass(frozen=True)
class NewContact:
    field: str  # "phone" or "email"
    value: str


@dataclass(frozen=True)
class Changed:
    key: str
    member_id: str
    expires_at: datetime


def _spelled(business: object, command: NewContact) -> str:
    if command.field not in claims.CONTACTS:
        raise InvalidInput("phone", "send the new phone or the new e-mail address")
    if command.field == "phone":
        return members.normalise_phone(command.value, business.country)  # type: ignore[attr-defined]
    email = members.normalise_email(command.value)
    if email is None:
        raise InvalidInput("email", "is not an e-mail address")
    return email


def ask(
    db: Database, who: Principal, command: NewContact, *, client: str, settings: Settings
) -> notify.LoginCode | None:
    """Send a code to the new address (None: nothing sent: it is already the member's, someone proved it, or
    too many codes this hour; the app answers alike)."""
    reading.kinds(who, "member")
    assert who.member_id is not None
    member_id = who.member_id
    app_limits.admit(db, who.business_id, client, settings)

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, who.business_id)
        value = _spelled(business, command)
        if command.field == "phone" and not texting.may_text(business, value):
            raise InvalidInput("phone", "this programme sends its codes only to numbers of its own countries")
        member = members.get(session, business_id=business.id, member_id=member_id)
        if getattr(member, command.field) == value and claims.proven(member, command.field):
            return None
        held = members.find_by(session, business=business, field=command.field, value=value)
        if held is not None and held.id != member.id and claims.proven(held, command.field):
            return None  # someone else's: the answer does not say so
        sent = member_login.send_to_new_contact(
            session, business=business, member=member, field=command.field, value=value, at=now()
        )
        if sent is None:
            return None
        return notify.LoginCode(
            business_id=str(business.id),
            business_name=business.name,
            member_id=str(member.id),
            phone=value if command.field == "phone" else None,
            email=value if command.field == "email" else None,
            code=sent.code,
            minutes=sent.minutes,
            channel=sent.channel,
        )

    return db.write(work)


def prove(db: Database, who: Principal, command: NewContact, code: str) -> Changed | None:
    """The new address is the member's, proven; every earlier session ended and a new key for this one. None for
    a wrong, used or expired code (the try is committed)."""
    reading.kinds(who, "member")
    assert who.member_id is not None
    member_id = who.member_id

    def work(session: Session) -> Changed | None:
        business = access.business(session, who.business_id)
        value = _spelled(business, command)
        at = now()
        if member_login.spend(session, business=business, member_id=member_id, code=code, address=value, at=at) is None:
            return None
        actor = f"member:{member_id}"
        claims.take(
            session, business=business, claimant_id=member_id, field=command.field, value=value, actor=actor, at=at
        )
        member = members.locked(session, business_id=business.id, member_id=member_id)
        setattr(member, command.field, value)
        setattr(member, f"{command.field}_verified_at", at)
        session.flush()
        record(session, business.id, actor=actor, action="member.contact_proven", obj=member,
               details={"field": command.field})  # fmt: skip
        access.end_member_sessions(session, business_id=business.id, member_id=member_id, at=at)
        raw, key = access.issue_key(
            session,
            business_id=business.id,
            kind="member",
            name="member app",
            member_id=member_id,
            lifetime=member_login.SESSION_LIFETIME,
        )
        assert key.expires_at is not None
        return Changed(raw, str(member_id), key.expires_at)

    return db.write(work)
