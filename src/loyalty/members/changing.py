"""Changing a member (`PATCH /v1/members/{id}`, Como `advanced/updateMember`): who may change what.

A phone or an e-mail address is how a member logs in and is found at a till, so changing one hands the account to
whoever holds the new one. Only an admin key changes them (and vouches for the new one); a till may give a member a
contact they do not have yet, which stays unproven: it finds nobody and receives no login code until a code sent
there comes back. Tags, status and the member number unlock rules and identify: admin keys only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import Forbidden, InvalidInput
from loyalty.members import access, cards, claims
from loyalty.members import accounts as members
from loyalty.members.access import Principal

CONTACTS = ("phone", "email")
ADMIN_ONLY = ("tags", "status", "member_number")
NOT_NULL = ("phone", "first_name", "last_name", "tags", "status", "consent")


@dataclass(frozen=True)
class Change:
    member_id: uuid.UUID
    fields: Mapping[str, Any] = field(default_factory=dict)  # only what changes; None removes where it may
    source: str = "staff"  # the door a consent change came through: staff (/v1, pages) or como


class ChangeRefused(Forbidden):
    """A till asked to change what only an admin (or, for a contact, the member proving it) changes."""

    def __init__(self, name: str) -> None:
        super().__init__(
            "contact_change_refused" if name in CONTACTS else "change_refused",
            f"A till may not change a member's {name.replace('_', ' ')}: an admin does"
            + (", or the member in the app." if name in CONTACTS else "."),
            field=name,
        )


def change(db: Database, who: Principal, command: Change) -> cards.MemberCard:
    """Apply the change as `who` may make it; the member as `who` sees them afterwards."""
    if who.kind not in ("admin", "pos"):
        raise Forbidden("forbidden", "Members are changed with an admin or pos key.")
    changes = dict(command.fields)
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise InvalidInput(name, "cannot be null")
    if "consent" in changes:
        changes["consent"] = {key: value for key, value in changes["consent"].items() if value is not None}

    def work(session: Session) -> cards.MemberCard:
        business = access.business(session, who.business_id)
        # Locked: two tills filling the same missing e-mail at once must not both see it missing.
        member = members.locked(session, business_id=business.id, member_id=command.member_id)
        allowed = changes if who.kind == "admin" else _allowed_to_a_till(member, changes, business.country)
        before = (member.phone, member.email)
        if who.kind == "admin":  # an admin vouches for the contact: whoever held it unproven loses it
            for name in CONTACTS:
                value = _spelled(name, allowed.get(name), business.country)
                if value is not None and value != getattr(member, name):
                    claims.take(
                        session,
                        business=business,
                        claimant_id=member.id,
                        field=name,
                        value=value,
                        actor=who.actor,
                        at=now(),
                    )
        if allowed or who.kind == "admin":  # an admin's empty change is recorded, as it always was
            members.update(
                session,
                business=business,
                member_id=member.id,
                changes=allowed,
                actor=who.actor,
                vouched=who.kind == "admin",
                consent_source=command.source,
            )
        if (member.phone, member.email) != before:
            access.end_member_sessions(session, business_id=business.id, member_id=member.id, at=now())
        return cards.card(session, business, member, who)

    return db.write(work)


def _allowed_to_a_till(member: Any, changes: dict[str, Any], country: str) -> dict[str, Any]:
    """What a till may change of `changes`, the member's own contacts sent again left out (no change, and a till
    must not un-prove them); ChangeRefused for anything else."""
    for name in ADMIN_ONLY:
        if name in changes:
            raise ChangeRefused(name)
    allowed = dict(changes)
    for name in CONTACTS:
        held = getattr(member, name)
        if name not in changes or held is None:
            continue  # nothing asked, or filling a missing contact: allowed, and unproven
        if _spelled(name, changes[name], country) != held:
            raise ChangeRefused(name)
        del allowed[name]
    return allowed


def _spelled(name: str, value: Any, country: str) -> str | None:
    """The stored spelling of a contact a till sent, so that the member's own number sent again is no change."""
    if value is None:
        return None
    return members.normalise_phone(value, country) if name == "phone" else members.normalise_email(value)
