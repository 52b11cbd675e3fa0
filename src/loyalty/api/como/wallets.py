"""What a member holds, as Como shows it: the points and credit balances, the budget a `payment` draws from, and
the deals of a basket. The one place to extend when stored credit and automatic deals exist: today a business has
no stored credit (a zero `creditBalance`, never used by payment) and no automatic deals (`deals: []`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from loyalty import members, payments, purchases
from loyalty.api.como import envelope
from loyalty.errors import NotFound
from loyalty.money import currency_exponent, from_minor, to_minor

# Rows (a business, a member) reach this package through the services; it never imports the models.
Business = Any
Member = Any

PAYMENT_TYPES = {"points": "memberPoints", "credit": "memberCredit"}


def points_balance(business: Business, hundredths: int) -> dict[str, int]:
    """`nonMonetary`: hundredths of a point; `monetary`: what they pay, in minor units, at the point value."""
    worth = payments.affordable(hundredths, business)
    return {"monetary": to_minor(worth, currency_exponent(business.currency)), "nonMonetary": hundredths}


def balances(session: Session, *, business: Business, member: Member) -> tuple[dict[str, Any], dict[str, Any]]:
    wallet = business.payment_wallet
    points = {"usedByPayment": wallet == "points", "balance": points_balance(business, member.points_balance)}
    credit = {"usedByPayment": False, "balance": {"monetary": 0, "nonMonetary": 0}}
    return points, credit


def deals(priced: purchases.Priced) -> list[dict[str, Any]]:
    """Automatic member discounts on this basket."""
    return []


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
    actor: str,
) -> tuple[str, int, dict[str, int]]:
    """Pay from the business's payment wallet: (confirmation, amount paid in minor units, balance after)."""
    if business.payment_wallet != "points":
        raise envelope.ComoError(envelope.REFUSED, "This business has no stored credit to pay with.")
    exponent = currency_exponent(business.currency)
    request = payments.PaymentRequest(member_id, transaction_id, from_minor(amount_minor, exponent))
    payment, _ = payments.pay(session, business=business, terminal_id=terminal_id, request=request, actor=actor)
    member = members.reloaded(session, business_id=business.id, member_id=member_id)
    return str(payment.id), payment.amount_minor, points_balance(business, member.points_balance)


def cancel(session: Session, *, business: Business, confirmation: str, actor: str) -> tuple[str, dict[str, int]]:
    """Give a budget payment back: (its type, the balance after)."""
    try:
        payment_id = uuid.UUID(confirmation.strip())
    except ValueError:
        raise NotFound("payment") from None
    payment = payments.cancel(session, business=business, payment_id=payment_id, actor=actor)
    member = members.reloaded(session, business_id=business.id, member_id=payment.member_id)
    return PAYMENT_TYPES["points"], points_balance(business, member.points_balance)
