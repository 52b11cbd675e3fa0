"""A till's budget payment (Como's `payment`) and what a member holds as Como shows it: the points and credit
balances, and the budget a payment draws from (the business's `payment_wallet`: points, or stored credit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.models import Business, Member
from loyalty.errors import NotFound
from loyalty.members import accounts as members
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.sale import payment_keys, payments
from loyalty.wallet import credit
from loyalty.wallet.lots import book

PAYMENT_TYPES = {"points": "memberPoints", "credit": "memberCredit"}


def points_balance(business: Business, hundredths: int) -> dict[str, int]:
    """`nonMonetary`: hundredths of a point; `monetary`: what they pay, in minor units, at the point value."""
    worth = payments.affordable(hundredths, business)
    return {"monetary": to_minor(worth, currency_exponent(business.currency)), "nonMonetary": hundredths}


def balances(session: Session, *, business: Business, member: Member) -> tuple[dict[str, Any], dict[str, Any]]:
    wallet = business.payment_wallet
    points = {"usedByPayment": wallet == "points", "balance": _spendable(session, business, member.id)}
    stored = {"usedByPayment": wallet == "credit", "balance": credit_balance(member.credit_balance)}
    return points, stored


def credit_balance(minor: int) -> dict[str, int]:
    """Credit is money: both figures are its minor units."""
    return {"monetary": minor, "nonMonetary": minor}


def payment_type(business: Business) -> str:
    return PAYMENT_TYPES[business.payment_wallet]


def pay(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    member_id: uuid.UUID,
    transaction_id: str,
    amount_minor: int,
    key: str,
    actor: str,
) -> tuple[str, int, dict[str, int]]:
    """Pay from the business's payment wallet: (confirmation, amount paid in minor units, balance after)."""
    exponent = currency_exponent(business.currency)
    if business.payment_wallet == "credit":
        asked = credit.CreditPaymentRequest(member_id, transaction_id, from_minor(amount_minor, exponent), key)
        paid, _ = credit.pay(session, business=business, terminal_id=terminal_id, request=asked, actor=actor)
        member = members.reloaded(session, business_id=business.id, member_id=member_id)
        return str(paid.id), paid.amount_minor, credit_balance(member.credit_balance)
    request = payments.PaymentRequest(member_id, transaction_id, from_minor(amount_minor, exponent), key)
    payment, _ = payments.pay(session, business=business, terminal_id=terminal_id, request=request, actor=actor)
    member = members.reloaded(session, business_id=business.id, member_id=member_id)
    return str(payment.id), payment.amount_minor, _spendable(session, business, member.id)


def standing(
    session: Session, *, business: Business, terminal_id: uuid.UUID, key: str
) -> tuple[str, int, dict[str, int], str] | None:
    """The payment a retried call already made: (confirmation, amount paid, balance now, its type), or None."""
    earlier = payment_keys.standing(session, business_id=business.id, terminal_id=terminal_id, key=key)
    if earlier is None:
        return None
    if earlier.wallet == "points":
        balance = _spendable(session, business, earlier.member_id)
        return str(earlier.id), earlier.amount_minor, balance, PAYMENT_TYPES["points"]
    member = members.reloaded(session, business_id=business.id, member_id=earlier.member_id)
    return str(earlier.id), earlier.amount_minor, credit_balance(member.credit_balance), PAYMENT_TYPES["credit"]


def cancel(session: Session, *, business: Business, confirmation: str, actor: str) -> tuple[str, dict[str, int]]:
    """Give a budget payment back: (its type, the balance after)."""
    try:
        payment_id = uuid.UUID(confirmation.strip())
    except ValueError:
        raise NotFound("payment") from None
    payment_keys.release(session, business_id=business.id, payment_id=payment_id)
    stored = credit.find_payment(session, business_id=business.id, payment_id=payment_id)
    if stored is not None:
        credit.cancel(session, business=business, payment=stored, actor=actor)
        member = members.reloaded(session, business_id=business.id, member_id=stored.member_id)
        return PAYMENT_TYPES["credit"], credit_balance(member.credit_balance)
    payment = payments.cancel(session, business=business, payment_id=payment_id, actor=actor)
    member = members.reloaded(session, business_id=business.id, member_id=payment.member_id)
    return PAYMENT_TYPES["points"], _spendable(session, business, member.id)


def _spendable(session: Session, business: Business, member_id: uuid.UUID) -> dict[str, int]:
    """The points the member can spend now, as `/v1` shows them: pending and overdue points left out."""
    summary = book.summary(session, business_id=business.id, member_id=member_id, at=datetime.now(UTC))
    return points_balance(business, summary.balance)
