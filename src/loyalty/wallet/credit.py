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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.audit import record
from loyalty.db.models import (
    Business,
    CreditLoad,
    CreditPayment,
    LedgerEntry,
    LedgerTransaction,
    Member,
    Purchase,
    now,
)
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.sale import payments
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event

CREDIT_MOP = "credit"
MEMBER_ACCOUNT = "credit"
COUNTER_ACCOUNT = {
    "credit_load": "credit_sold",
    "credit_bonus": "credit_bonus",
    "credit_pay": "credit_spent",
    "credit_refund": "credit_spent",
}
MAX_TIERS = 20
MAX_AMOUNT = Decimal("1000000000")


class InsufficientCredit(Refused):
    def __init__(self) -> None:
        super().__init__("insufficient_credit", "The member has no credit to pay with.")


@dataclass(frozen=True)
class CreditPaymentRequest:
    member_id: uuid.UUID
    transaction_id: str
    amount: Decimal
    idempotency_key: str | None = None


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
        id=uuid.uuid4(),
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
    member = _member(session, business, member_id)  # another business's member: 404 before anything else
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
    balance = session.scalar(select(Member.credit_balance).where(Member.id == entry.member_id)) or 0
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


# --- payments -------------------------------------------------------------------------------------


def pay(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    request: CreditPaymentRequest,
    actor: str,
    owed: Decimal | None = None,
) -> tuple[CreditPayment, bool]:
    """Pay part of a sale from credit, at most the balance and, with `owed` (what the sale still owes), at most
    that; once per Idempotency-Key."""
    try:
        amount_minor = to_minor(request.amount, _exponent(business))
    except ValueError:
        raise InvalidInput("amount", f"has more decimals than {business.currency} allows") from None
    if amount_minor <= 0:
        raise InvalidInput("amount", "must be more than zero")
    if request.idempotency_key:
        earlier = _payment_by_key(session, business.id, terminal_id, request.idempotency_key)
        if earlier is not None:
            return _same_payment(earlier, request), False
    member = _member(session, business, request.member_id)
    if _confirmed(session, business.id, terminal_id, request.transaction_id):
        raise Conflict("transaction_completed", f"Transaction {request.transaction_id} is already confirmed.")
    if owed is not None and owed <= 0:
        raise payments.NothingOwed()
    paid = min(amount_minor, member.credit_balance)
    if owed is not None:
        paid = min(paid, to_minor(owed, _exponent(business)))
    if paid <= 0:
        raise InsufficientCredit()
    payment = CreditPayment(
        business_id=business.id,
        terminal_id=terminal_id,
        transaction_id=request.transaction_id,
        idempotency_key=request.idempotency_key,
        member_id=member.id,
        amount_minor=paid,
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        earlier = _payment_by_key(session, business.id, terminal_id, request.idempotency_key or "")
        if earlier is None:
            raise
        return _same_payment(earlier, request), False
    # The guard in the UPDATE decides: a concurrent payer that got there first makes this one refused.
    post(
        session,
        business=business,
        member_id=member.id,
        kind="credit_pay",
        amount=-paid,
        reason=f"paid {money(business, paid)} in {request.transaction_id}",
    )
    record(session, business.id, actor=actor, action="credit_payment.create", obj=payment)
    return payment, True


def find_payment(session: Session, *, business_id: uuid.UUID, payment_id: uuid.UUID) -> CreditPayment | None:
    payment = session.get(CreditPayment, payment_id)
    return payment if payment is not None and payment.business_id == business_id else None


def cancel(session: Session, *, business: Business, payment: CreditPayment, actor: str) -> CreditPayment:
    """Give a credit payment back. Twice is a no-op; one inside a confirmed purchase goes with that purchase."""
    if payment.status == "cancelled":
        return payment
    if payment.purchase_id is not None:
        raise Conflict("payment_in_purchase", "This payment belongs to a confirmed purchase: cancel the purchase.")
    refund(session, business=business, payment=payment, at=None)
    record(session, business.id, actor=actor, action="credit_payment.cancel", obj=payment)
    return payment


def refund(session: Session, *, business: Business, payment: CreditPayment, at: datetime | None) -> None:
    """Mark a credit payment cancelled and give the money back, once (the status UPDATE is the guard)."""
    changed = session.execute(
        update(CreditPayment)
        .where(CreditPayment.id == payment.id, CreditPayment.status == "active")
        .values(status="cancelled", cancelled_at=at or now())
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return
    session.refresh(payment)
    post(
        session,
        business=business,
        member_id=payment.member_id,
        kind="credit_refund",
        amount=payment.amount_minor,
        reason=f"credit payment in {payment.transaction_id} given back",
        purchase_id=payment.purchase_id,
    )


def refund_purchase(session: Session, *, business: Business, purchase_id: uuid.UUID, at: datetime) -> int:
    """Give back every credit payment of a cancelled purchase; returns the minor units given back."""
    given = 0
    for payment in session.scalars(select(CreditPayment).where(CreditPayment.purchase_id == purchase_id)):
        if payment.status == "active":
            refund(session, business=business, payment=payment, at=at)
            given += payment.amount_minor
    return given


def for_transaction(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> list[CreditPayment]:
    """The active credit payments of one till's transaction, oldest first."""
    query = select(CreditPayment).where(
        CreditPayment.business_id == business_id,
        CreditPayment.terminal_id == terminal_id,
        CreditPayment.transaction_id == transaction_id,
        CreditPayment.status == "active",
    )
    return list(session.scalars(query.order_by(CreditPayment.created_at, CreditPayment.id)))


def attach(session: Session, *, payments: list[CreditPayment], purchase_id: uuid.UUID) -> None:
    """Credit payments of a transaction become part of its confirmed purchase."""
    if payments:
        session.execute(
            update(CreditPayment)
            .where(CreditPayment.id.in_([payment.id for payment in payments]), CreditPayment.purchase_id.is_(None))
            .values(purchase_id=purchase_id)
        )


def _confirmed(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> bool:
    return (
        session.scalar(
            select(Purchase.id).where(
                Purchase.business_id == business_id,
                Purchase.terminal_id == terminal_id,
                Purchase.transaction_id == transaction_id,
            )
        )
        is not None
    )


def _payment_by_key(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, key: str) -> CreditPayment | None:
    return session.scalar(
        select(CreditPayment).where(
            CreditPayment.business_id == business_id,
            CreditPayment.terminal_id == terminal_id,
            CreditPayment.idempotency_key == key,
        )
    )


def _same_payment(earlier: CreditPayment, request: CreditPaymentRequest) -> CreditPayment:
    if earlier.member_id != request.member_id or earlier.transaction_id != request.transaction_id:
        raise Conflict("idempotency_conflict", "This Idempotency-Key was used for another payment.")
    return earlier


def _member(session: Session, business: Business, member_id: uuid.UUID) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    if member.status != "active":
        raise Refused("member_blocked", "This loyalty account is blocked: its credit cannot be used.")
    return member


def payment_view(session: Session, business: Business, payment: CreditPayment) -> dict[str, Any]:
    """A credit payment as the API shows it (the shape of a points payment, with `wallet: credit`)."""
    member = session.execute(
        select(Member.credit_balance, Member.points_balance).where(Member.id == payment.member_id)
    ).one()
    from loyalty.members.accounts import format_points

    return {
        "id": str(payment.id),
        "member_id": str(payment.member_id),
        "transaction_id": payment.transaction_id,
        "status": payment.status,
        "amount": money(business, payment.amount_minor),
        "points_used": format_points(business, 0),
        "points_balance": format_points(business, member.points_balance),
        "wallet": "credit",
        "credit_balance": money(business, member.credit_balance),
    }


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
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
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
