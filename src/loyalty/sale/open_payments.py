"""A till's payments left open: points or credit taken for a sale that was never confirmed nor given back (the
sale was lost with a closed tab, a crash, another tab's new sale). The till lists them to give them back through
`tender.cancel`, or to take the sale up again; nothing here writes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.db.models import Business, CreditPayment, Member, PointsPayment
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.members.accounts import format_points
from loyalty.money import currency_exponent, from_minor
from loyalty.sale.checkout import till

# How far back a till looks: a payment older than this is a matter for the Campaign Center, not the till, and the
# read stays within the terminal's recent rows.
LOOK_BACK = timedelta(days=7)
MAX_LISTED = 50


def listed(db: Database, who: Principal) -> list[dict[str, Any]]:
    """This till's open payments of the last week, oldest first, each with the member's name."""
    terminal_id = till(who)
    since = now() - LOOK_BACK
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = [
            _view(business, payment, first, last, "points")
            for payment, first, last in _open(session, PointsPayment, business, terminal_id, since)
        ]
        found += [
            _view(business, payment, first, last, "credit")
            for payment, first, last in _open(session, CreditPayment, business, terminal_id, since)
        ]
    return sorted(found, key=lambda view: view["created_at"])[:MAX_LISTED]


def _open(
    session: Session,
    model: type[PointsPayment] | type[CreditPayment],
    business: Business,
    terminal_id: Any,
    since: datetime,
) -> list[Any]:
    query = (
        select(model, Member.first_name, Member.last_name)
        .join(Member, (Member.business_id == business.id) & (Member.id == model.member_id))
        .where(
            model.business_id == business.id,
            model.terminal_id == terminal_id,
            model.status == "active",
            model.purchase_id.is_(None),
            model.created_at >= since,
        )
        .order_by(model.created_at)
        .limit(MAX_LISTED)
    )
    return list(session.execute(query).all())


def _view(
    business: Business, payment: PointsPayment | CreditPayment, first: str, last: str, wallet: str
) -> dict[str, Any]:
    used = payment.points if isinstance(payment, PointsPayment) else 0
    return {
        "id": str(payment.id),
        "wallet": wallet,
        "transaction_id": payment.transaction_id,
        "member_id": str(payment.member_id),
        "member_name": f"{first} {last}".strip(),
        "amount": str(from_minor(payment.amount_minor, currency_exponent(business.currency))),
        "points_used": format_points(business, used),
        "created_at": payment.created_at.isoformat(),
    }
