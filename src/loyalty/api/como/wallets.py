"""What a member holds, as Como shows it: the points and credit balances and the budget a `payment` draws from
(the business's `payment_wallet`: points, or stored credit). Shapes only: the figures come from the services."""

from __future__ import annotations

from typing import Any

from loyalty.money import currency_exponent, to_minor
from loyalty.sale import payments, tender

# Rows (a business, a member) reach this package through the services; it never imports the models.
Business = Any
Member = Any

PAYMENT_TYPES = {"points": "memberPoints", "credit": "memberCredit"}


def points_balance(business: Business, hundredths: int) -> dict[str, int]:
    """`nonMonetary`: hundredths of a point; `monetary`: what they pay, in minor units, at the point value."""
    worth = payments.affordable(hundredths, business)
    return {"monetary": to_minor(worth, currency_exponent(business.currency)), "nonMonetary": hundredths}


def balances(business: Business, member: Member, spendable: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The points (`spendable` hundredths) and credit balances, and which one a `payment` draws from."""
    wallet = business.payment_wallet
    points = {"usedByPayment": wallet == "points", "balance": points_balance(business, spendable)}
    stored = {"usedByPayment": wallet == "credit", "balance": credit_balance(member.credit_balance)}
    return points, stored


def credit_balance(minor: int) -> dict[str, int]:
    """Credit is money: both figures are its minor units."""
    return {"monetary": minor, "nonMonetary": minor}


def payment_type(business: Business) -> str:
    return PAYMENT_TYPES[business.payment_wallet]


def balance_of(paid: tender.Tendered) -> dict[str, int]:
    """The balance of the wallet a payment drew from, after it."""
    if paid.wallet == "credit":
        return credit_balance(paid.credit_balance)
    return points_balance(paid.business, paid.points_balance)
