"""Paying part of a sale with points.

The money value of a point is the business setting `point_value`. A member pays at most what the balance
covers: the paid amount is the requested one, or the balance's worth cut down to the currency's minor unit.
The points taken are the paid amount divided by `point_value`, rounded UP to the business's points precision
(ROUND_CEILING: the business never gives away a fraction of a point). A recorded payment counts as MOP
`points` in the accumulation of the purchase with the same terminal and transaction id. The steps it takes as a
credit payment does are in `payment_steps`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import RetryTransaction
from loyalty.db.ids import new_id
from loyalty.db.models import Business, LedgerTransaction, Member, PointsPayment, now
from loyalty.db.rows import cast_table
from loyalty.errors import NotFound, Refused
from loyalty.money import (
    currency_exponent,
    floor_points,
    from_minor,
    hundredths_to_points,
    points_to_hundredths,
    to_minor,
)
from loyalty.sale import payment_steps
from loyalty.wallet import ledger
from loyalty.wallet.lots import book

POINTS_MOP = "points"


class NothingToPayWith(Refused):
    def __init__(self) -> None:
        super().__init__("insufficient_points", "The member has no points to pay with.")


def money_exponent(business: Business) -> int:
    return currency_exponent(business.currency)


def point_value(business: Business) -> Decimal:
    return from_minor(business.point_value_minor, money_exponent(business))


def points_for(amount: Decimal, business: Business) -> Decimal:
    """Points (rounded up to the business's points precision) that pay `amount`."""
    precision = Decimal(1).scaleb(-business.points_decimals)
    return (amount / point_value(business)).quantize(precision, rounding=ROUND_CEILING)


def affordable(balance_hundredths: int, business: Business) -> Decimal:
    """The most money a balance pays, cut down to the currency's minor unit.

    Only the balance at the business's precision counts, so the points for that money never exceed it."""
    spendable = floor_points(hundredths_to_points(max(balance_hundredths, 0)), business.points_decimals)
    worth = spendable * point_value(business)
    return worth.quantize(Decimal(1).scaleb(-money_exponent(business)), rounding=ROUND_FLOOR)


def pay(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    request: payment_steps.PaymentRequest,
    actor: str,
    owed: Decimal | None = None,
    key_looked_up: bool = False,
) -> tuple[PointsPayment, bool]:
    """Record a points payment; returns it and whether it is new (False: a replay of the same idempotency key).

    With `owed` (what the sale still owes), the payment is capped at it: a member never pays more than the sale.
    `key_looked_up`: the caller already found no payment under the key (`payment_keys.earlier`)."""
    _, earlier = payment_steps.start(
        session, PointsPayment, business=business, terminal_id=terminal_id, request=request, key_looked_up=key_looked_up
    )
    if earlier is not None:
        return earlier, False
    member = scoped.get(session, Member, request.member_id, business_id=business.id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    if member.status != "active":
        raise Refused("member_blocked", "This loyalty account is blocked: its points cannot pay.")
    payment_steps.check_open(
        session, business_id=business.id, terminal_id=terminal_id, transaction_id=request.transaction_id, owed=owed
    )
    # Only spendable lots pay: pending points wait for their day, expired ones are gone even before the expiry run.
    _, spendable = book.lock_spendable(session, business_id=business.id, member_id=member.id, at=now())
    paid = min(request.amount, affordable(spendable, business))
    if owed is not None:
        paid = min(paid, owed)
    if paid <= 0:
        raise NothingToPayWith()
    points = points_to_hundredths(points_for(paid, business))
    payment = PointsPayment(
        id=new_id(),
        business_id=business.id,
        terminal_id=terminal_id,
        transaction_id=request.transaction_id,
        idempotency_key=request.idempotency_key,
        member_id=member.id,
        amount_minor=to_minor(paid, money_exponent(business)),
        points=points,
        status="active",
        purchase_id=None,
        created_at=now(),
        cancelled_at=None,
        request_hash=request.request_hash,
    )
    if not _insert_once(session, payment):
        # The same idempotency key raced in from a retry: the first one stands.
        earlier = payment_steps.by_key(session, PointsPayment, business.id, terminal_id, request.idempotency_key or "")
        if earlier is None:
            raise RetryTransaction()  # not visible to this transaction yet: run it again
        return payment_steps.same_payment(earlier, request), False
    make_transient_to_detached(payment)
    session.add(payment)  # the row as inserted, held by the session like a loaded one (no second INSERT)
    # A points payment never takes a balance below zero, whatever the business allows for returns.
    ledger.post(
        session,
        business=business,
        member_id=member.id,
        kind="pay",
        amount=-points,
        cause=ledger.Cause(payment_id=payment.id, reason=f"paid {paid} in {request.transaction_id}"),
        may_go_negative=False,
    )
    record(session, business.id, actor=actor, action="payment.create", obj=payment)
    # Spending took only spendable lots: what is left spendable is known without reading it again.
    session.info.setdefault(_SPENDABLE_AFTER, {})[payment.id] = spendable - points
    return payment, True


_SPENDABLE_AFTER = "loyalty.spendable_after_payment"


def _insert_once(session: Session, payment: PointsPayment) -> bool:
    """INSERT the payment unless its idempotency key is taken (no savepoint needed); whether it was inserted."""
    values = {f"new_{name}": getattr(payment, name) for name in _COLUMNS}
    return session.connection().execute(_insert_statement(session), values).first() is not None


_COLUMNS = (
    "id",
    "business_id",
    "terminal_id",
    "transaction_id",
    "idempotency_key",
    "member_id",
    "amount_minor",
    "points",
    "status",
    "purchase_id",
    "created_at",
    "request_hash",
)
_inserts: dict[str, Any] = {}


def _insert_statement(session: Session) -> Any:
    """The payment's INSERT … ON CONFLICT DO NOTHING, built once per database dialect."""
    dialect = session.get_bind().dialect.name
    statement = _inserts.get(dialect)
    if statement is None:
        table = cast_table(PointsPayment)
        values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in _COLUMNS}
        made = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(values)
        statement = _inserts[dialect] = made.on_conflict_do_nothing().returning(table.c.id)
    return statement


def cancel(session: Session, *, business: Business, payment_id: uuid.UUID, actor: str) -> PointsPayment:
    """Give the points of a payment back. Twice is a no-op; a payment inside a confirmed purchase is cancelled
    with that purchase."""
    payment = payment_steps.find(session, PointsPayment, business_id=business.id, payment_id=payment_id)
    if payment is None:
        raise NotFound("payment")
    if payment_steps.to_give_back(payment):
        refund(session, business=business, payment=payment, at=None)
        record(session, business.id, actor=actor, action="payment.cancel", obj=payment)
    return payment


def refund(session: Session, *, business: Business, payment: PointsPayment, at: datetime | None) -> None:
    """Mark a payment cancelled and give its points back, once (the status UPDATE is the guard)."""
    if not payment_steps.mark_cancelled(session, PointsPayment, business_id=business.id, payment=payment, at=at):
        return
    spent = session.scalar(
        select(LedgerTransaction.id).where(
            LedgerTransaction.business_id == business.id,
            LedgerTransaction.payment_id == payment.id,
            LedgerTransaction.kind == "pay",
        )
    )
    ledger.post(
        session,
        business=business,
        member_id=payment.member_id,
        kind="refund",
        amount=payment.points,
        cause=ledger.Cause(payment_id=payment.id, reason="points payment given back", restores=spent),
        may_go_negative=True,
        at=at,
    )


def for_transaction(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> list[PointsPayment]:
    """The active points payments of one till's transaction, oldest first."""
    return payment_steps.for_transaction(
        session, PointsPayment, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id
    )


def spendable_after(session: Session, payment: PointsPayment) -> int:
    """The member's spendable points now, in hundredths: known without a read right after a new payment."""
    balance = session.info.get(_SPENDABLE_AFTER, {}).get(payment.id)
    if balance is None:
        _, balance = book.balance_read(session, business_id=payment.business_id, member_id=payment.member_id, at=now())
    return int(balance)


def view(session: Session, business: Business, payment: PointsPayment, balance: int | None = None) -> dict[str, Any]:
    """A payment as the API shows it, with the member's balance now (`balance`, hundredths, when known)."""
    if balance is None:
        balance = spendable_after(session, payment)
    decimals = business.points_decimals
    return {
        "id": str(payment.id),
        "member_id": str(payment.member_id),
        "transaction_id": payment.transaction_id,
        "status": payment.status,
        "amount": str(from_minor(payment.amount_minor, money_exponent(business))),
        "points_used": str(floor_points(hundredths_to_points(payment.points), decimals)),
        "points_balance": str(floor_points(hundredths_to_points(balance), decimals)),
    }
