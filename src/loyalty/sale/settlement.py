"""A member never pays more than the sale costs.

Two guards, one arithmetic. What a sale still owes is its total after loyalty discounts less the points and
credit payments already recorded for the transaction: a payment made with the sale in hand is capped at it.
A confirmation whose points (or credit) payments exceed the total is refused, before anything is kept.
The points paid are the recorded payments when there are any (they replace a listed `points` amount, as in
the accumulation), else what the till listed as `points`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db import later
from loyalty.db.models import Business, CreditPayment, PointsPayment
from loyalty.errors import Conflict
from loyalty.money import currency_exponent, from_minor
from loyalty.sale import credit_payments, payments

# Means of payment drawn from what the member holds with the business: they may never pay beyond the sale.
MEMBER_MOPS = frozenset({payments.POINTS_MOP, "credit"})


class PaymentsExceedTotal(Conflict):
    def __init__(self, paid: Decimal, total: Decimal) -> None:
        super().__init__(
            "payments_exceed_total",
            f"Points and credit pay {paid} but the sale costs {total} after discounts: nothing was recorded.",
            paid=str(paid),
            total=str(total),
        )


def recorded(business: Business, recorded_payments: Sequence[PointsPayment | CreditPayment]) -> Decimal:
    exponent = currency_exponent(business.currency)
    return sum((from_minor(payment.amount_minor, exponent) for payment in recorded_payments), Decimal(0))


def member_paid(
    business: Business, reported: Sequence[engine.Payment], recorded_payments: Sequence[PointsPayment]
) -> Decimal:
    """Money the member's points and credit pay in this sale."""
    listed_points = sum((p.amount for p in reported if _mop(p.mop) == payments.POINTS_MOP), Decimal(0))
    credit = sum((p.amount for p in reported if _mop(p.mop) in MEMBER_MOPS - {payments.POINTS_MOP}), Decimal(0))
    points = recorded(business, recorded_payments) if recorded_payments else listed_points
    return points + credit


def check(
    business: Business,
    *,
    total: Decimal,
    reported: Sequence[engine.Payment],
    recorded_payments: Sequence[PointsPayment],
) -> None:
    """Refuse a sale whose points and credit payments exceed its total after discounts."""
    paid = member_paid(business, reported, recorded_payments)
    if paid > total:
        raise PaymentsExceedTotal(paid, total)


def still_owed(
    total: Decimal,
    business: Business,
    recorded_payments: Sequence[PointsPayment],
    credit_payments: Sequence[CreditPayment] = (),
) -> Decimal:
    """What points or credit may still pay: the total after discounts less the points and credit already paid,
    never below zero."""
    return max(total - recorded(business, recorded_payments) - recorded(business, credit_payments), Decimal(0))


def _mop(name: str) -> str:
    return name.strip().lower()


def probe_selects() -> tuple[Any, Any]:
    """Which kinds of payment one till's transaction has: one select per kind, naming its kind (`wallet`)."""
    business_id: Any = bindparam("business_id")
    terminal_id: Any = bindparam("terminal_id")
    transaction_id: Any = bindparam("transaction_id")
    return (
        select(literal(payments.POINTS_MOP).label("wallet")).where(
            PointsPayment.business_id == business_id,
            PointsPayment.terminal_id == terminal_id,
            PointsPayment.transaction_id == transaction_id,
            PointsPayment.status == "active",
        ),
        select(literal(credit_payments.CREDIT_MOP).label("wallet")).where(
            CreditPayment.business_id == business_id,
            CreditPayment.terminal_id == terminal_id,
            CreditPayment.transaction_id == transaction_id,
            CreditPayment.status == "active",
        ),
    )


_PROBE = union_all(*probe_selects())  # built once: every quote and sale asks


def recorded_for(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID,
    transaction_id: str,
    kinds: frozenset[str] | None = None,
) -> tuple[list[PointsPayment], list[CreditPayment]]:
    """The active points and credit payments of one till's transaction: one statement finds whether there are
    any of each (most sales have none), and only the kinds there are are read. `kinds`: that answer, when the
    caller already has it (`tab.wait`)."""
    if kinds is None:
        asked = {"business_id": business_id, "terminal_id": terminal_id, "transaction_id": transaction_id}
        kinds = frozenset(row[0] for row in later.rows(session, _PROBE, asked))
    points_paid: list[PointsPayment] = []
    credit_paid: list[CreditPayment] = []
    if not kinds:
        return points_paid, credit_paid
    if payments.POINTS_MOP in kinds:
        points_paid = payments.for_transaction(
            session, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id
        )
    if credit_payments.CREDIT_MOP in kinds:
        credit_paid = credit_payments.for_transaction(
            session, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id
        )
    return points_paid, credit_paid
