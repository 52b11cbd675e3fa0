"""A phone or e-mail address proven by someone takes it from whoever held it unproven.

Anyone can type a number or an address: a person joining in the app, a till filling a missing contact. Such a
contact stays unproven: it finds nobody and receives no login code. When someone proves the address (a code sent
there came back, or an admin vouched for it), it becomes theirs, and the record that held it unproven loses it,
with whatever else that record held (a name, another unproven e-mail): the prover's record keeps only what the
prover gave.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.models import Business, ConsentChange, LoginCode, Member
from loyalty.members import access
from loyalty.members import accounts as members

CONTACTS = ("phone", "email")


def holder(session: Session, *, business: Business, field: str, value: str) -> Member | None:
    """The record holding `value` (stored spelling) as its phone or e-mail, locked."""
    column = Member.phone if field == "phone" else Member.email
    return session.scalar(
        select(Member)
        .where(Member.business_id == business.id, column == value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def proven(member: Member, field: str) -> bool:
    return (member.phone_verified_at if field == "phone" else member.email_verified_at) is not None


def take(
    session: Session,
    *,
    business: Business,
    claimant_id: uuid.UUID | None,
    field: str,
    value: str,
    actor: str,
    at: datetime,
) -> None:
    """Free `value` for the claimant who proved it: another record holding it unproven loses it (MemberExists when
    another record holds it proven: it is theirs). A pending record left with no contact at all is removed: it
    never joined and holds nothing."""
    held = holder(session, business=business, field=field, value=value)
    if held is None or held.id == claimant_id:
        return
    if proven(held, field):
        raise members.MemberExists(field)
    drop(session, business=business, member=held, field=field, actor=actor, at=at)


def drop(session: Session, *, business: Business, member: Member, field: str, actor: str, at: datetime) -> None:
    """Take the unproven `field` off `member`, who is not the one proving it."""
    other = member.email if field == "phone" else member.phone
    setattr(member, field, None)
    setattr(member, f"{field}_verified_at", None)
    access.end_member_sessions(session, business_id=business.id, member_id=member.id, at=at)
    record(session, business.id, actor=actor, action="member.contact_dropped", obj=member, details={"field": field})
    if other is None and member.status == "pending":
        try:
            with session.begin_nested():
                # What only this record held: its login codes and the consents it was joined with.
                for owned in (LoginCode, ConsentChange):
                    session.execute(delete(owned).where(owned.business_id == business.id, owned.member_id == member.id))
                session.flush()
                session.execute(
                    delete(Member)
                    .where(Member.business_id == business.id, Member.id == member.id)
                    .execution_options(synchronize_session=False)
                )
                session.expunge(member)
            return
        except IntegrityError:
            pass  # something points at it after all: it stays, reachable by nobody
    session.flush()


def given_of(first_name: str, last_name: str, email: str | None, consent: Mapping[str, bool]) -> dict[str, Any]:
    """What a person joining gave besides the phone, as a code carries it to the record they prove."""
    return {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": members.normalise_email(email),
        "consent": {key: bool(value) for key, value in consent.items()},
    }


def same_person(member: Member, given: Mapping[str, Any] | None) -> bool:
    """Whether the record holds exactly what the prover gave (they made it), or nothing beside the contact."""
    if member.email is None and not member.first_name and not member.last_name:
        return True
    if given is None:
        return False
    return (member.first_name, member.last_name, member.email) == (
        given.get("first_name", ""),
        given.get("last_name", ""),
        given.get("email"),
    )
