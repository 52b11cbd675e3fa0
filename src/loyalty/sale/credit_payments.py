"""Paying part of a sale with stored credit (MOP `credit`), and giving it back.

A credit payment pays at most the member's credit and, when the sale is known, what it still owes; once per
Idempotency-Key. Its cancel, or the cancel of the purchase it belongs to, or the void of its ticket, gives it back.
The money moves through the credit ledger (`credit.post`), behind the guard that keeps credit from going negative.
The steps it takes as a points payment does are in `payment_steps`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.models import Business, CreditPayment, Member
from loyalty.money import currency_exponent, to_minor
from loyalty.sale import payment_steps
from loyalty.wallet.credit import InsufficientCredit, money, post, usable_member

CREDIT_MOP = "credit"


def pay(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    request: payment_steps.PaymentRequest,
    actor: str,
    owed: Decimal | None = None,
    key_looked_up: bool = False,
) -> tuple[CreditPayment, bool]:
    """Pay part of a sale from credit, at most the balance and, with `owed` (what the sale still owes), at most
    that; once per Idempotency-Key (`key_looked_up`: the caller found no payment under it)."""
    amount_minor, earlier = payment_steps.start(
        session, CreditPayment, business=business, terminal_id=terminal_id, request=request, key_looked_up=key_looked_up
    )
    if earlier is not None:
        return earlier, False
    member = usable_member(session, business, request.member_id)
    payment_steps.check_open(
        session, business_id=business.id, terminal_id=terminal_id, transaction_id=request.transaction_id, owed=owed
    )
    paid = min(amount_minor, member.credit_balance)
    if owed is not None:
        paid = min(paid, to_minor(owed, currency_exponent(business.currency)))
    if paid <= 0:
        raise InsufficientCredit()
    payment = CreditPayment(
        business_id=business.id,
        terminal_id=terminal_id,
        transaction_id=request.transaction_id,
        idempotency_key=request.idempotency_key,
        member_id=member.id,
        amount_minor=paid,
        request_hash=request.request_hash,
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        earlier = payment_steps.by_key(session, CreditPayment, business.id, terminal_id, request.idempotency_key or "")
        if earlier is None:
            raise
        return payment_steps.same_payment(earlier, request), False
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
    return payment_steps.find(session, CreditPayment, business_id=business_id, payment_id=payment_id)


def cancel(session: Session, *, business: Business, payment: CreditPayment, actor: str) -> CreditPayment:
    """Give a credit payment back. Twice is a no-op; one inside a confirmed purchase goes with that purchase."""
    if payment_steps.to_give_back(payment):
        refund(session, business=business, payment=payment, at=None)
        record(session, business.id, actor=actor, action="credit_payment.cancel", obj=payment)
    return payment


def refund(session: Session, *, business: Business, payment: CreditPayment, at: datetime | None) -> None:
    """Mark a credit payment cancelled and give the money back, once (the status UPDATE is the guard)."""
    if not payment_steps.mark_cancelled(session, CreditPayment, business_id=business.id, payment=payment, at=at):
        return
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
    for payment in session.scalars(
        select(CreditPayment).where(CreditPayment.business_id == business.id, CreditPayment.purchase_id == purchase_id)
    ):
        if payment.status == "active":
            refund(session, business=business, payment=payment, at=at)
            given += payment.amount_minor
    return given


def for_transaction(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> list[CreditPayment]:
    """The active credit payments of one till's transaction, oldest first."""
    return payment_steps.for_transaction(
        session, CreditPayment, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id
    )


def attach(session: Session, *, payments: list[CreditPayment], purchase_id: uuid.UUID, business_id: uuid.UUID) -> None:
    """Credit payments of a transaction become part of its confirmed purchase."""
    if payments:
        session.execute(
            update(CreditPayment)
            .where(
                CreditPayment.business_id == business_id,
                CreditPayment.id.in_([payment.id for payment in payments]),
                CreditPayment.purchase_id.is_(None),
            )
            .values(purchase_id=purchase_id)
        )


def balances(session: Session, business_id: uuid.UUID, member_id: uuid.UUID) -> tuple[int, int]:
    """The member's credit (minor units) and cached points (hundredths), read together."""
    found = session.execute(
        select(Member.credit_balance, Member.points_balance).where(
            Member.business_id == business_id, Member.id == member_id
        )
    ).one()
    return int(found.credit_balance), int(found.points_balance)


def payment_view(
    session: Session, business: Business, payment: CreditPayment, known: tuple[int, int] | None = None
) -> dict[str, Any]:
    """A credit payment as the API shows it (the shape of a points payment, with `wallet: credit`); `known`: the
    member's balances, when just read."""
    credit_minor, points = known or balances(session, payment.business_id, payment.member_id)
    from loyalty.members.accounts import format_points

    return {
        "id": str(payment.id),
        "member_id": str(payment.member_id),
        "transaction_id": payment.transaction_id,
        "status": payment.status,
        "amount": money(business, payment.amount_minor),
        "points_used": format_points(business, 0),
        "points_balance": format_points(business, points),
        "wallet": "credit",
        "credit_balance": money(business, credit_minor),
    }
