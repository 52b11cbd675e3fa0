"""Stored credit: money a member loaded at the till (with a bonus), spent as MOP `credit`.

Credit has its own accounts in the double-entry ledger, in minor units of the business currency: the member's
`credit` account against `credit_sold` (money the till took), `credit_bonus` (what the business added) and
`credit_spent` (what paid sales). Every change moves `Member.credit_balance` in the same transaction behind a
guard in the UPDATE, so credit is never negative, however many tills pay at once. Credit never expires.

A top-up is recorded once per Idempotency-Key; the bonus is the business setting `credit_top_up_bonus`
(`[{"from": "20.00", "bonus": "5.00"}]`: the tier with the highest `from` not above the amount). A credit
payment pays at most the balance; its cancel, or the cancel of the purchase it belongs to, gives it back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.ids import new_id
from loyalty.db.models import (
    Business,
    CreditLoad,
    LedgerEntry,
    LedgerTransaction,
    Member,
)
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event

MEMBER_ACCOUNT = "credit"
COUNTER_ACCOUNT = {
    "credit_load": "credit_sold",
    "credit_bonus": "credit_bonus",
    "credit_pay": "credit_spent",
    "credit_refund": "credit_spent",
    "credit_import": "credit_imported",  # credit brought from the system a programme moved from
}
MAX_TIERS = 20
MAX_AMOUNT = Decimal("1000000000")


class InsufficientCredit(Refused):
    def __init__(self) -> None:
        super().__init__("insufficient_credit", "The member has no credit to pay with.")


def _exponent(business: Business) -> int:
    return currency_exponent(business.currency)


def money(business: Business, minor: int) -> str:
    return str(from_minor(minor, _exponent(business)))


def _minor(value: object, where: str, business: Business) -> int:
    """A positive money amount in minor units (a string or a JSON number); a 422 naming `where` otherwise."""
    expected = 'must be an amount like "20.00"'
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InvalidInput(where, expected)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise InvalidInput(where, expected) from None
    if not amount.is_finite():
        raise InvalidInput(where, expected)
    if amount <= 0:
        raise InvalidInput(where, "must be more than zero")
    if amount > MAX_AMOUNT:
        raise InvalidInput(where, f"must be at most {MAX_AMOUNT}")
    try:
        return to_minor(amount, _exponent(business))
    except ValueError:
        raise InvalidInput(where, f"has more decimals than {business.currency} allows") from None


# --- the bonus table ------------------------------------------------------------------------------


def parse_bonus_table(value: object, business: Business) -> list[dict[str, int]]:
    """`[{"from": "20.00", "bonus": "5.00"}, …]` as stored: minor units, sorted by `from`, distinct `from`s."""
    where = "credit_top_up_bonus"
    if not isinstance(value, list):
        raise InvalidInput(where, 'must be a list like [{"from": "20.00", "bonus": "5.00"}]')
    if len(value) > MAX_TIERS:
        raise InvalidInput(where, f"has more than {MAX_TIERS} tiers")
    tiers: list[dict[str, int]] = []
    for index, tier in enumerate(value):
        if not isinstance(tier, dict) or set(tier) != {"from", "bonus"}:
            raise InvalidInput(f"{where}.{index}", 'must be {"from": "20.00", "bonus": "5.00"}')
        tiers.append(
            {
                "from": _minor(tier["from"], f"{where}.{index}.from", business),
                "bonus": _minor(tier["bonus"], f"{where}.{index}.bonus", business),
            }
        )
    froms = [tier["from"] for tier in tiers]
    if len(set(froms)) != len(froms):
        raise InvalidInput(where, "has two tiers with the same `from`")
    return sorted(tiers, key=lambda tier: tier["from"])


def bonus_table_out(business: Business) -> list[dict[str, str]]:
    return [
        {"from": money(business, tier["from"]), "bonus": money(business, tier["bonus"])}
        for tier in business.credit_top_up_bonus or []
    ]


def bonus_for(amount_minor: int, table: list[dict[str, int]]) -> int:
    """The bonus of the highest tier whose `from` the amount reaches; 0 below every tier."""
    reached = [tier["bonus"] for tier in sorted(table, key=lambda tier: tier["from"]) if tier["from"] <= amount_minor]
    return reached[-1] if reached else 0


# --- the ledger -----------------------------------------------------------------------------------


def post(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    amount: int,
    reason: str,
    purchase_id: uuid.UUID | None = None,
) -> LedgerTransaction | None:
    """Move `amount` minor units into (positive) or out of (negative) the member's credit, never below zero."""
    if amount == 0:
        return None
    guarded = update(Member).where(Member.id == member_id, Member.business_id == business.id)
    if amount < 0:
        guarded = guarded.where(Member.credit_balance + amount >= 0)
    moved = session.execute(
        guarded.values(credit_balance=Member.credit_balance + amount)
        .returning(Member.credit_balance)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        raise InsufficientCredit()
    member = session.identity_map.get(identity_key(Member, member_id))
    if member is not None:
        set_committed_value(member, "credit_balance", moved.credit_balance)
    transaction = LedgerTransaction(
        id=new_id(),
        business_id=business.id,
        kind=kind,
        member_id=member_id,
        purchase_id=purchase_id,
        reason=reason,
    )
    transaction.entries = [
        LedgerEntry(business_id=business.id, account=MEMBER_ACCOUNT, member_id=member_id, amount=amount),
        LedgerEntry(business_id=business.id, account=COUNTER_ACCOUNT[kind], amount=-amount),
    ]
    session.add(transaction)
    return transaction


# --- top-ups --------------------------------------------------------------------------------------


def load(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    amount: object,
    reason: str,
    idempotency_key: str | None,
    actor: str,
    at: datetime,
) -> tuple[CreditLoad, bool]:
    """Load credit the till took, plus the bonus; once per Idempotency-Key (a replay returns the first)."""
    member = usable_member(session, business, member_id)  # another business's member: 404 before anything else
    if not idempotency_key:
        raise InvalidInput("Idempotency-Key", "is required: a retried top-up must load once")
    amount_minor = _minor(amount, "amount", business)
    reason = reason.strip() or "top-up"
    fingerprint = hashlib.sha256(json.dumps([str(member_id), amount_minor, reason]).encode()).hexdigest()
    earlier = _load_by_key(session, business.id, idempotency_key)
    if earlier is not None:
        return _same_load(earlier, fingerprint), False
    entry = CreditLoad(
        business_id=business.id,
        member_id=member.id,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        amount_minor=amount_minor,
        bonus_minor=bonus_for(amount_minor, business.credit_top_up_bonus or []),
        reason=reason,
        actor=actor,
        created_at=at,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        earlier = _load_by_key(session, business.id, idempotency_key)
        if earlier is None:
            raise
        return _same_load(earlier, fingerprint), False
    paid = money(business, amount_minor)
    post(
        session,
        business=business,
        member_id=member.id,
        kind="credit_load",
        amount=amount_minor,
        reason=f"{reason}: {paid}",
    )
    if entry.bonus_minor:
        post(
            session,
            business=business,
            member_id=member.id,
            kind="credit_bonus",
            amount=entry.bonus_minor,
            reason=f"bonus on a top-up of {paid}",
        )
    record(session, business.id, actor=actor, action="credit.load", obj=entry)
    record_event(session, business.id, "credit.topped_up", payloads.credit(business, entry))
    return entry, True


def _load_by_key(session: Session, business_id: uuid.UUID, key: str) -> CreditLoad | None:
    return session.scalar(
        select(CreditLoad).where(CreditLoad.business_id == business_id, CreditLoad.idempotency_key == key)
    )


def _same_load(earlier: CreditLoad, fingerprint: str) -> CreditLoad:
    if earlier.request_hash != fingerprint:
        raise Conflict("idempotency_conflict", "This Idempotency-Key was used for another top-up.")
    return earlier


def load_view(session: Session, business: Business, entry: CreditLoad) -> dict[str, Any]:
    balance = (
        session.scalar(
            select(Member.credit_balance).where(Member.business_id == business.id, Member.id == entry.member_id)
        )
        or 0
    )
    return {
        "id": str(entry.id),
        "member_id": str(entry.member_id),
        "amount": money(business, entry.amount_minor),
        "bonus": money(business, entry.bonus_minor),
        "credited": money(business, entry.amount_minor + entry.bonus_minor),
        "reason": entry.reason,
        "credit_balance": money(business, balance),
        "created_at": entry.created_at.isoformat(),
    }


def usable_member(session: Session, business: Business, member_id: uuid.UUID) -> Member:
    member = scoped.get(session, Member, member_id, business_id=business.id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    if member.status != "active":
        raise Refused("member_blocked", "This loyalty account is blocked: its credit cannot be used.")
    return member


# --- history and verify ---------------------------------------------------------------------------


def history(session: Session, *, business: Business, member_id: uuid.UUID, limit: int = 50) -> list[dict[str, Any]]:
    """The member's credit movements, newest first."""
    rows = session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.kind,
            LedgerEntry.amount,
            LedgerTransaction.reason,
            LedgerTransaction.created_at,
        )
        .join(
            LedgerEntry,
            (LedgerEntry.business_id == LedgerTransaction.business_id)
            & (LedgerEntry.transaction_id == LedgerTransaction.id),
        )
        .where(
            LedgerEntry.business_id == business.id,
            LedgerEntry.member_id == member_id,
            LedgerEntry.account == MEMBER_ACCOUNT,
        )
        .order_by(LedgerTransaction.created_at.desc(), LedgerTransaction.id.desc())
        .limit(limit)
    )
    return [
        {"id": str(txn_id), "kind": kind, "amount": money(business, amount), "reason": reason, "at": at.isoformat()}
        for txn_id, kind, amount, reason, at in rows
    ]


def verify(session: Session) -> list[str]:
    """Every member's cached credit equals the sum of its entries and is not negative."""
    sums = {
        member_id: int(total)
        for member_id, total in session.execute(
            select(LedgerEntry.member_id, func.sum(LedgerEntry.amount))
            .where(LedgerEntry.account == MEMBER_ACCOUNT)
            .group_by(LedgerEntry.member_id)
        )
    }
    problems = []
    for member_id, cached in session.execute(select(Member.id, Member.credit_balance)):
        recomputed = sums.get(member_id, 0)
        if cached != recomputed:
            problems.append(f"member {member_id} credit {cached} but credit entries sum to {recomputed}")
        if cached < 0:
            problems.append(f"member {member_id} credit {cached} is below zero")
    return problems
