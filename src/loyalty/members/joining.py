"""Registering a member at a till or by an admin (`POST /v1/members`, Como `registration/quick` and
`advanced/registerMember`): staff vouch for the person before them, so the member is active at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from sqlalchemy.orm import Session

from loyalty import idempotency
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import Forbidden, InvalidInput
from loyalty.members import access, attributes, cards
from loyalty.members import accounts as members
from loyalty.members.access import Principal


@dataclass(frozen=True)
class Registration:
    phone: str | None = None  # a phone or an e-mail, or both
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    birthday: date | None = None
    member_number: str | None = None
    tags: Sequence[str] = ()
    consent: Mapping[str, bool] | None = None
    attributes: Mapping[str, Any] | None = None  # gender, anniversary, generic fields (`members.attributes`)
    source: str = "staff"  # the door the consent came through: staff (/v1, pages) or como


@overload
def register(db: Database, who: Principal, command: Registration, once: None = None) -> cards.MemberCard: ...
@overload
def register(
    db: Database, who: Principal, command: Registration, once: idempotency.Once[cards.MemberCard]
) -> idempotency.Answer: ...
def register(
    db: Database, who: Principal, command: Registration, once: idempotency.Once[cards.MemberCard] | None = None
) -> cards.MemberCard | idempotency.Answer:
    """A new active member, with what joining gives; with `once`, at most once per Idempotency-Key."""
    if who.kind not in ("admin", "pos"):
        raise Forbidden("forbidden", "Members are registered with an admin or pos key.")
    if who.kind != "admin" and command.tags:
        # A tag can unlock a tag-conditioned rule: only an admin sets one, here as in a change.
        raise InvalidInput("tags", "can be set by an admin key only")

    kept = attributes.normalise(command.attributes)

    def work(session: Session) -> cards.MemberCard:
        business = access.business(session, who.business_id)
        member = members.register(
            session,
            business=business,
            phone=command.phone,
            first_name=command.first_name,
            last_name=command.last_name,
            email=command.email,
            birthday=command.birthday,
            member_number=command.member_number,
            tags=command.tags,
            consent=command.consent,
            attributes=kept,
            actor=who.actor,
            at=now(),
            consent_source=command.source,
        )
        session.flush()
        scoped.refresh(session, member)  # the joined rules moved the balance with a guarded UPDATE
        return cards.card(session, business, member, who)

    return idempotency.write(db, once, work)
