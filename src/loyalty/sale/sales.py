"""A till's recorded sales, read back: today's, one found by transaction id or member, and one in full.

A sale in full is what its confirmation answered (replayed verbatim by the API) plus where it stands now:
cancelled or not, and per line what was returned and the points those returns took back, so a till can
offer a return of what is left and show the points it would take back before asking for it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, Purchase, PurchaseLine, now
from loyalty.errors import NotFound
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points

MAX_LISTED = 100


def start_of_day(business: Business, at: datetime) -> datetime:
    """Midnight of `at`'s day in the business's time zone."""
    local = at.astimezone(ZoneInfo(business.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def listed(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    at: datetime,
    transaction_id: str | None = None,
    member_id: uuid.UUID | None = None,
) -> list[Purchase]:
    """Today's sales of this till, newest first; or, searched, the business's sales with that transaction id or
    of that member (any till: a return may come to another till of the same business)."""
    query = select(Purchase).where(Purchase.business_id == business.id)
    if transaction_id is not None:
        # Read off a receipt and typed in by hand, an id's capitals are a guess: "t-0042" finds "T-0042".
        query = query.where(func.lower(Purchase.transaction_id) == transaction_id.strip().lower())
    elif member_id is not None:
        query = query.where(Purchase.member_id == member_id)
    else:
        since = start_of_day(business, at)
        query = query.where(
            Purchase.terminal_id == terminal_id,
            Purchase.created_at >= since,
            Purchase.created_at < since + timedelta(days=1, hours=1),
        )
    query = query.order_by(Purchase.created_at.desc(), Purchase.id).limit(MAX_LISTED)
    return list(session.scalars(query))


def returned_points(session: Session, business: Business, purchases: list[Purchase]) -> dict[uuid.UUID, int]:
    """The points returns took back from each of these sales, in hundredths: one statement for the list."""
    ids = [purchase.id for purchase in purchases]
    if not ids:
        return {}
    query = (
        select(PurchaseLine.purchase_id, func.sum(PurchaseLine.points_returned))
        .where(PurchaseLine.business_id == business.id, PurchaseLine.purchase_id.in_(ids))
        .group_by(PurchaseLine.purchase_id)
    )
    return {purchase_id: int(total or 0) for purchase_id, total in session.execute(query)}


def summary(business: Business, purchase: Purchase, points_returned: int = 0) -> dict[str, Any]:
    answer = purchase.response or {}
    return {
        "id": str(purchase.id),
        "transaction_id": purchase.transaction_id,
        "terminal_id": str(purchase.terminal_id),
        "member_id": str(purchase.member_id) if purchase.member_id else None,
        "status": purchase.status,
        "total": str(from_minor(purchase.total_minor, currency_exponent(business.currency))),
        "points_earned": answer.get("points_earned", "0"),
        "points_returned": str(hundredths_to_points(points_returned)),
        "created_at": purchase.created_at.isoformat(),
        "cancelled_at": purchase.cancelled_at.isoformat() if purchase.cancelled_at else None,
    }


def detail(session: Session, business: Business, purchase: Purchase) -> dict[str, Any]:
    """The sale in full: its confirmation's answer, its status now and its lines with what was returned."""
    exponent = currency_exponent(business.currency)
    lines = session.scalars(
        select(PurchaseLine)
        .where(PurchaseLine.business_id == business.id, PurchaseLine.purchase_id == purchase.id)
        .order_by(PurchaseLine.id)
    ).all()
    answer = dict(purchase.response or {})
    return {
        **summary(business, purchase, sum(line.points_returned for line in lines)),
        "subtotal": answer.get("subtotal"),
        "discount_total": answer.get("discount_total"),
        "points_paid": answer.get("points_paid", "0"),
        "payments": answer.get("payments", []),
        "earned": answer.get("earned", []),
        "discounts": answer.get("discounts", []),
        "lines": sorted(
            (
                {
                    "line_id": line.line_id,
                    "code": line.code,
                    "name": line.name,
                    "quantity": str(Decimal(line.quantity).normalize()),
                    "returned_quantity": str(Decimal(line.returned_quantity).normalize()),
                    "amount": str(from_minor(line.amount_minor, exponent)),
                    "discount": str(from_minor(line.discount_minor, exponent)),
                    # In hundredths, as returns compute: a till previews a return's points exactly.
                    "points_earned": str(hundredths_to_points(line.points_earned)),
                    "points_returned": str(hundredths_to_points(line.points_returned)),
                }
                for line in lines
            ),
            key=lambda line: _line_order(line["line_id"]),
        ),
    }


def _line_order(line_id: str) -> tuple[int, str]:
    return (int(line_id), "") if line_id.isdigit() else (1 << 62, line_id)


def means_of_payment(db: Database, who: Principal) -> list[str]:
    """The business's means of payment, as its tills offer them."""
    access.require_kind(who, "admin", "pos")
    with db.read() as session:
        return list(access.business(session, who.business_id).means_of_payment)


def till_sales(
    db: Database, who: Principal, *, transaction_id: str | None = None, member_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """The till's sales of today, or the business's sales found by transaction id or member (see `listed`)."""
    access.require_kind(who, "pos")
    if who.terminal_id is None:
        raise access.KeyKindRefused("This needs the key of a till.")
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = listed(
            session,
            business=business,
            terminal_id=who.terminal_id,
            at=now(),
            transaction_id=transaction_id,
            member_id=member_id,
        )
        returned = returned_points(session, business, found)
        return [summary(business, purchase, returned.get(purchase.id, 0)) for purchase in found]


def sale(db: Database, who: Principal, purchase_id: uuid.UUID) -> dict[str, Any]:
    """One sale of the business in full (see `detail`)."""
    access.require_kind(who, "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        purchase = session.scalar(
            select(Purchase).where(Purchase.business_id == business.id, Purchase.id == purchase_id)
        )
        if purchase is None:
            raise NotFound("purchase")
        return detail(session, business, purchase)
