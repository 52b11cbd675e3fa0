"""Erasing a member at their request (`POST /v1/members/{id}/erase` by an admin, `POST /v1/me/erase` by the
member): the person is removed, the accounts stay.

Names, phone, e-mail, birthday, member number, tags, the external id and the consents are removed; the codes that
could name the member are deleted and their app sessions end, so no identifier finds them again. Remaining points
are forfeited by a ledger entry of kind `erasure`; stored credit is money the business owes, so it must be paid
out or spent first (409 `credit_outstanding`). Purchases and ledger entries stay (the business's books need them),
linked to a member row that no longer says who it was. The audit trail records who erased."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import overload

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from loyalty import idempotency
from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import (
    Asset,
    IdentificationCode,
    LoginCode,
    TillIdentification,
    now,
)
from loyalty.errors import Conflict, Forbidden, InvalidInput
from loyalty.members import access, consents
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import hundredths_to_points
from loyalty.wallet import ledger
from loyalty.webhooks.outbox import record_event


@dataclass(frozen=True)
class Erased:
    member_id: uuid.UUID
    status: str
    erased_at: datetime
    points_forfeited: str


class CreditOutstanding(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "credit_outstanding",
            "This member still has stored credit: pay it out or let them spend it before erasing their data.",
        )


@overload
def erase(db: Database, who: Principal, member_id: uuid.UUID, once: None = None) -> Erased: ...
@overload
def erase(db: Database, who: Principal, member_id: uuid.UUID, once: idempotency.Once[Erased]) -> idempotency.Answer: ...
def erase(
    db: Database, who: Principal, member_id: uuid.UUID, once: idempotency.Once[Erased] | None = None
) -> Erased | idempotency.Answer:
    """An admin erases a member of their business, once per Idempotency-Key (`once`): a retry must not be
    refused as if the first had not happened, and erasure cannot be undone."""
    access.require_kind(who, "admin")
    if once is None:
        with db.read() as session:  # another business's member is a 404 before anything is said of the key
            members.get(session, business_id=who.business_id, member_id=member_id)
        raise InvalidInput("Idempotency-Key", "is required: a retried erasure must happen once")
    return idempotency.write(db, once, lambda session: _erase(session, who, member_id))


def erase_mine(db: Database, who: Principal, *, confirm: bool) -> Erased:
    """The member erases themselves, having confirmed it."""
    if who.kind != "member" or who.member_id is None:
        raise Forbidden("forbidden", "A member erases their own data with their member key.")
    if confirm is not True:
        raise InvalidInput("confirm", "must be true: erasing cannot be undone")
    member_id = who.member_id
    return db.write(lambda session: _erase(session, who, member_id))


def _erase(session: Session, who: Principal, member_id: uuid.UUID) -> Erased:
    business = access.business(session, who.business_id)
    member = members.locked(session, business_id=business.id, member_id=member_id)
    if member.status == "erased":
        assert member.erased_at is not None
        return Erased(member.id, member.status, member.erased_at, "0")
    if member.credit_balance != 0:
        raise CreditOutstanding()
    at = now()
    forfeited = member.points_balance
    if forfeited:
        ledger.post(
            session,
            business=business,
            member_id=member.id,
            kind="erasure",
            amount=-forfeited,
            cause=ledger.Cause(reason="forfeited: the member's data was erased"),
            may_go_negative=True,
        )
    session.execute(
        update(Asset)
        .where(Asset.business_id == business.id, Asset.member_id == member.id, Asset.status == "active")
        .values(status="deactivated")
        .execution_options(synchronize_session=False)
    )
    for model in (IdentificationCode, LoginCode, TillIdentification):
        session.execute(
            delete(model)
            .where(model.business_id == business.id, model.member_id == member.id)
            .execution_options(synchronize_session=False)
        )
    before = consents.current(member)
    members.forget(member, at=at)
    session.flush()
    source = "app" if who.kind == "member" else "staff"
    consents.log_changes(
        session,
        business_id=business.id,
        member_id=member.id,
        before=before,
        after=consents.current(member),
        source=source,
        at=at,
    )
    access.end_member_sessions(session, business_id=business.id, member_id=member.id, at=at)
    record(session, business.id, actor=who.actor, action="member.erase", obj=member, details={"by": who.kind})
    record_event(session, business.id, "member.erased", {"member_id": str(member.id), "erased_at": at.isoformat()})
    return Erased(member.id, "erased", at, str(hundredths_to_points(forfeited)))
