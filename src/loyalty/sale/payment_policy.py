"""The business's terms for budget payments at a till: which wallet pays, the smallest and largest payment, and
whether the member confirms a payment with a code sent to their phone or e-mail.

The code is one of `sent_codes` (an identification code): short, single use, short-lived; a wrong one counts
as a failed identification attempt, under the same limits. A member who was identified at this till during the sale
with the app's code or QR for this ticket is standing there with their phone, and is not asked again on it.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from loyalty.db.models import Business, CreditPayment, IdentificationCode, IdentifyFailure, Member, PointsPayment
from loyalty.errors import InvalidInput, Refused
from loyalty.members import identification, tills
from loyalty.money import currency_exponent, from_minor
from loyalty.settings import Settings

# The wallets a payment can draw from.
AVAILABLE_WALLETS = ("points", "credit")


class PaymentAboveLimit(Refused):
    def __init__(self, limit: str) -> None:
        super().__init__("payment_above_limit", f"A payment may be at most {limit}.")


class PaymentBelowLimit(Refused):
    def __init__(self, limit: str) -> None:
        super().__init__("payment_below_limit", f"A payment must be at least {limit}.")


def check_wallet(name: str) -> str:
    if name not in AVAILABLE_WALLETS:
        raise InvalidInput("payment_wallet", f"must be one of {', '.join(AVAILABLE_WALLETS)}")
    return name


def check_limits_setting(minimum: int | None, maximum: int | None) -> None:
    if minimum is not None and minimum < 0:
        raise InvalidInput("payment_min", "must not be negative")
    if maximum is not None and maximum <= 0:
        raise InvalidInput("payment_max", "must be more than zero")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidInput("payment_min", "must not be more than payment_max")


def check_amount(business: Business, amount_minor: int) -> None:
    """Refuse a payment outside the business's limits."""
    if business.payment_max_minor is not None and amount_minor > business.payment_max_minor:
        raise PaymentAboveLimit(_money(business, business.payment_max_minor))
    if business.payment_min_minor is not None and amount_minor < business.payment_min_minor:
        raise PaymentBelowLimit(_money(business, business.payment_min_minor))


def _money(business: Business, minor: int) -> str:
    return f"{from_minor(minor, currency_exponent(business.currency))} {business.currency}"


def still_owed(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str, total_minor: int
) -> int:
    """What the sale still owes after the points and credit payments already made for it (never below zero)."""
    paid = 0
    for table in (PointsPayment, CreditPayment):
        paid += int(
            session.scalar(
                select(func.coalesce(func.sum(table.amount_minor), 0)).where(
                    table.business_id == business_id,
                    table.terminal_id == terminal_id,
                    table.transaction_id == transaction_id,
                    table.status == "active",
                )
            )
            or 0
        )
    return max(total_minor - paid, 0)


def needs_code(
    session: Session, *, business: Business, terminal_id: uuid.UUID, member: Member, transaction_id: str, at: datetime
) -> bool:
    """Whether the payment waits for the member's code: verification is on and no app code or QR proved the member
    for this ticket (a proof serves one ticket only)."""
    if not business.payment_verification:
        return False
    return not tills.identified_by_code(
        session,
        business_id=business.id,
        terminal_id=terminal_id,
        member_id=member.id,
        transaction_id=transaction_id,
        at=at,
    )


class PaymentUncapped(InvalidInput):
    """A budget payment on a ticket that says neither its total nor its items: nothing tells what it may cover."""

    def __init__(self) -> None:
        super().__init__("purchase.totalAmount", "is required for a payment (or the ticket's items)")


def cap(total_minor: int | None, items_minor: int | None) -> int:
    """What a ticket's budget payments may cover together: its total, else the sum of its items, else refused."""
    if total_minor is not None:
        return total_minor
    if items_minor is not None:
        return items_minor
    raise PaymentUncapped()


def check_code(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    member: Member,
    code: str,
    settings: Settings,
    at: datetime,
) -> bool:
    """Whether `code` is this member's live code (spent if so); a wrong one is a failed attempt, under the limits."""
    identification.check_limits(session, business_id=business.id, terminal_id=terminal_id, settings=settings, at=at)
    wanted = identification.digest(business.id, "code", code.strip())
    row = session.scalar(
        select(IdentificationCode).where(
            IdentificationCode.business_id == business.id,
            IdentificationCode.member_id == member.id,
            IdentificationCode.code_hash == wanted,
            IdentificationCode.expires_at > at,
        )
    )
    if row is not None and hmac.compare_digest(row.code_hash, wanted):
        spent = session.execute(
            delete(IdentificationCode).where(
                IdentificationCode.business_id == business.id, IdentificationCode.id == row.id
            )
        )
        if spent.rowcount == 1:  # type: ignore[attr-defined]
            return True
    session.add(IdentifyFailure(business_id=business.id, terminal_id=terminal_id, at=at))
    session.flush()
    return False
