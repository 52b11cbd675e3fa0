"""Points corrections by an admin, and a member's points history.

A correction is an ordinary ledger transaction of kind "adjust" with a mandatory reason: the ledger is never
edited, it is corrected by new entries. Taking points away goes through the same guarded UPDATE as paying with
points, so concurrent corrections can never take a balance below zero (unless the business allows it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.audit import record
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member
from loyalty.errors import InvalidInput
from loyalty.members import accounts as members
from loyalty.money import points_to_hundredths
from loyalty.wallet import ledger

MAX_REASON = 500


@dataclass(frozen=True)
class Adjusted:
    transaction: LedgerTransaction
    amount: int  # hundredths, signed
    member: Member


def parse_points(business: Business, raw: str | int | Decimal, field: str = "points") -> int:
    """Signed points ("-7", "12.50") as hundredths; at most the business's `points_decimals` decimals."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        raise InvalidInput(field, 'must be a number of points as a string, like "12.50" or "-7"')
    try:
        points = Decimal(raw.strip()) if isinstance(raw, str) else Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(field, 'must be a number of points, like "12.50" or "-7"') from None
    if not points.is_finite():
        raise InvalidInput(field, 'must be a number of points, like "12.50" or "-7"')
    if abs(points) >= Decimal(10) ** 15:  # before quantize, which cannot take "1e999999"
        raise InvalidInput(field, "is too large")
    if points != points.quantize(Decimal(1).scaleb(-business.points_decimals)):
        raise InvalidInput(field, f"has more decimals than the business's {business.points_decimals}")
    return points_to_hundredths(points)


def adjust(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    points: str | int | Decimal,
    reason: str,
    actor: str,
) -> Adjusted:
    """Add (positive) or take away (negative) points with a reason. Below zero is InsufficientPoints (422)."""
    amount = parse_points(business, points)
    if amount == 0:
        raise InvalidInput("points", "must not be zero")
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "is required: say why the balance changes")
    if len(reason) > MAX_REASON:
        raise InvalidInput("reason", f"must be at most {MAX_REASON} characters")
    members.get(session, business_id=business.id, member_id=member_id)
    transaction = ledger.post(
        session, business=business, member_id=member_id, kind="adjust", amount=amount, cause=ledger.Cause(reason=reason)
    )
    assert transaction is not None  # amount is not zero
    record(
        session,
        business.id,
        actor=actor,
        action="points.adjust",
        obj=transaction,
        details={"member_id": str(member_id), "hundredths": amount, "reason": reason},
    )
    member = members.reloaded(session, business_id=business.id, member_id=member_id)
    return Adjusted(transaction, amount, member)


@dataclass(frozen=True)
class HistoryPage:
    items: list[tuple[LedgerTransaction, int]]  # the transaction and the member's signed hundredths in it
    next_cursor: str | None


def history(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> HistoryPage:
    """The member's ledger transactions, newest first."""
    members.get(session, business_id=business.id, member_id=member_id)
    query = (
        select(LedgerTransaction, LedgerEntry.amount)
        .join(
            LedgerEntry,
            (LedgerEntry.business_id == LedgerTransaction.business_id)
            & (LedgerEntry.transaction_id == LedgerTransaction.id),
        )
        .where(
            LedgerEntry.business_id == business.id,
            LedgerEntry.member_id == member_id,
            LedgerEntry.account == "member",
        )
    )
    rows = [
        (transaction, int(amount))
        for transaction, amount in session.execute(
            paging.newest_first(query, LedgerTransaction.created_at, LedgerTransaction.id, cursor, limit)
        )
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = paging.encode(rows[-1][0].created_at, rows[-1][0].id) if more and rows else None
    return HistoryPage(rows, next_cursor)
