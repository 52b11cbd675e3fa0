"""Where a business's tills and its rules disagree: per till, the closed sales whose loyalty discount as the till
charged it (Como's `appliedAmount`) differs from what loyalty itself would have given, with both sums.

A till that keeps charging more than loyalty gives has an old price list, a promotion of its own, or a cashier
keying discounts by hand: the report says which till and how much, over a period of the business's choosing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Branch, Business, Purchase, Terminal, now
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor

MAX_DAYS = 366


def differences(session: Session, *, business: Business, since: datetime) -> list[dict[str, Any]]:
    """Per till with at least one difference since `since`: its sales, how many differ, both discount sums."""
    differs = Purchase.computed_discount_minor != Purchase.discount_minor
    query = (
        select(
            Purchase.terminal_id,
            Terminal.name,
            Terminal.external_id,
            Branch.name,
            func.count(),
            func.sum(Purchase.discount_minor),
            func.sum(Purchase.computed_discount_minor),
            func.max(Purchase.created_at),
        )
        .join(Terminal, (Terminal.id == Purchase.terminal_id) & (Terminal.business_id == Purchase.business_id))
        .join(Branch, (Branch.id == Terminal.branch_id) & (Branch.business_id == Purchase.business_id))
        .where(
            Purchase.business_id == business.id,
            Purchase.computed_discount_minor.is_not(None),
            differs,
            Purchase.status == "completed",
            Purchase.created_at >= since,
        )
        .group_by(Purchase.terminal_id, Terminal.name, Terminal.external_id, Branch.name)
    )
    exponent = currency_exponent(business.currency)

    def money(minor: int | None) -> str:
        return str(from_minor(int(minor or 0), exponent))

    found = []
    for terminal_id, name, external_id, branch, count, charged, computed, last in session.execute(query):
        found.append(
            {
                "terminal_id": str(terminal_id),
                "terminal": name,
                "pos_id": external_id,
                "branch": branch,
                "sales_that_differ": int(count),
                "till_discounts": money(charged),
                "loyalty_discounts": money(computed),
                "difference": money(int(charged or 0) - int(computed or 0)),
                "last_at": last.isoformat() if last else None,
            }
        )
    return sorted(found, key=lambda row: (-abs(Decimal(row["difference"])), row["terminal"]))


def report(db: Database, who: Principal, *, days: int) -> dict[str, Any]:
    """The differences of the last `days` days, for an admin."""
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        tills = differences(session, business=business, since=now() - timedelta(days=days))
        return {"currency": business.currency, "days": days, "tills": tills}
