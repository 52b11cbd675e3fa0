"""What each rule, benefit and code did over a period, for the Campaign Center: read from the ledger (points
given by each rule revision's earn transactions), the wallet (benefits granted and redeemed) and code uses.

A rule's points are what it gave when the purchases were confirmed; what cancels and returns took back is
not a rule's (a return takes back a line's points, whichever rules gave them), so it is one figure for the
period: `taken_back`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty import periods
from loyalty.db.engine import Database
from loyalty.db.models import (
    Asset,
    Benefit,
    Business,
    CodeUse,
    LedgerEntry,
    LedgerTransaction,
    PromoCode,
    Purchase,
    Rule,
    now,
)
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.members.accounts import format_points
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, quantize_money
from loyalty.periods import Period


@dataclass(frozen=True)
class RuleFigure:
    rule_id: uuid.UUID
    name: str
    status: str
    trigger: str
    points: int  # hundredths
    purchases: int
    members: int


@dataclass
class Figures:
    period: Period
    rules: list[RuleFigure]
    by_day: dict[date, int]
    members: int  # distinct members given points by any rule
    taken_back: int
    taken_back_by_cancels: int
    benefits: list[dict[str, Any]] = field(default_factory=list)
    codes: list[dict[str, Any]] = field(default_factory=list)


# A transaction's entries, joined on their business too: the join stays within one business's rows.
_entries_of_transaction = (LedgerEntry.business_id == LedgerTransaction.business_id) & (
    LedgerEntry.transaction_id == LedgerTransaction.id
)


def _earned(business: Business, period: Period) -> tuple[Any, ...]:
    return (
        LedgerTransaction.business_id == business.id,
        LedgerTransaction.created_at >= period.start,
        LedgerTransaction.created_at < period.end,
        LedgerEntry.account == "member",
    )


def figures(session: Session, *, business: Business, period: Period) -> Figures:
    given = {
        rule_id: (int(points), purchases, members)
        for rule_id, points, purchases, members in session.execute(
            select(
                LedgerTransaction.rule_id,
                func.sum(LedgerEntry.amount),
                func.count(func.distinct(LedgerTransaction.purchase_id)),
                func.count(func.distinct(LedgerTransaction.member_id)),
            )
            .join(LedgerEntry, _entries_of_transaction)
            .where(*_earned(business, period), LedgerTransaction.kind == "earn", LedgerTransaction.rule_id.is_not(None))
            .group_by(LedgerTransaction.rule_id)
        )
    }
    rules = [
        RuleFigure(row.id, row.name, row.status, row.trigger, *given.get(row.id, (0, 0, 0)))
        for row in session.scalars(select(Rule).where(Rule.business_id == business.id))
    ]
    rules.sort(key=lambda rule: (-rule.points, -rule.purchases, rule.name, str(rule.rule_id)))
    members = session.scalar(
        select(func.count(func.distinct(LedgerTransaction.member_id)))
        .join(LedgerEntry, _entries_of_transaction)
        .where(*_earned(business, period), LedgerTransaction.kind == "earn", LedgerTransaction.rule_id.is_not(None))
    )
    # A cancel's taking back is posted once the purchase is marked cancelled; a return's, while it is not (or
    # before it was): so the purchase's status and cancel time tell which one took points back.
    by_cancel = (Purchase.status == "cancelled") & (LedgerTransaction.created_at >= Purchase.cancelled_at)
    taken_back = {True: 0, False: 0}
    for cancelled, amount in session.execute(
        select(by_cancel.label("cancelled"), func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, _entries_of_transaction)
        .join(
            Purchase,
            (Purchase.business_id == LedgerTransaction.business_id) & (Purchase.id == LedgerTransaction.purchase_id),
        )
        .where(*_earned(business, period), LedgerTransaction.kind == "unearn")
        .group_by(by_cancel)
    ):
        taken_back[bool(cancelled)] += int(amount)
    return Figures(
        period=period,
        rules=rules,
        by_day=_by_day(session, business, period),
        members=int(members or 0),
        taken_back=-sum(taken_back.values()),
        taken_back_by_cancels=-taken_back[True],
        benefits=_benefits(session, business, period),
        codes=_codes(session, business, period),
    )


def _by_day(session: Session, business: Business, period: Period) -> dict[date, int]:
    """Points the rules gave per local day: summed per UTC hour by the database, folded into local days here."""
    if session.get_bind().dialect.name == "sqlite":
        hour = func.substr(LedgerTransaction.created_at, 1, 13)
    else:
        hour = func.to_char(func.timezone("UTC", LedgerTransaction.created_at), "YYYY-MM-DD HH24")
    bucket = hour.label("hour")
    days: dict[date, int] = defaultdict(int)
    query = (
        select(bucket, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, _entries_of_transaction)
        .where(*_earned(business, period), LedgerTransaction.kind == "earn", LedgerTransaction.rule_id.is_not(None))
        .group_by(bucket)
    )
    for text, points in session.execute(query):
        moment = datetime.strptime(str(text), "%Y-%m-%d %H").replace(tzinfo=UTC)
        days[period.day_of(moment)] += int(points)
    return days


def _benefits(session: Session, business: Business, period: Period) -> list[dict[str, Any]]:
    granted = dict(
        session.execute(
            select(Asset.benefit_id, func.count())
            .where(Asset.business_id == business.id, Asset.granted_at >= period.start, Asset.granted_at < period.end)
            .group_by(Asset.benefit_id)
        ).all()
    )
    redeemed = dict(
        session.execute(
            select(Asset.benefit_id, func.count())
            .where(
                Asset.business_id == business.id,
                Asset.status == "redeemed",
                Asset.redeemed_at >= period.start,
                Asset.redeemed_at < period.end,
            )
            .group_by(Asset.benefit_id)
        ).all()
    )
    listed = [
        {
            "benefit_id": str(benefit.id),
            "name": benefit.name,
            "status": benefit.status,
            "granted": int(granted.get(benefit.id, 0)),
            "redeemed": int(redeemed.get(benefit.id, 0)),
        }
        for benefit in session.scalars(select(Benefit).where(Benefit.business_id == business.id))
    ]
    return sorted(listed, key=lambda item: (-item["redeemed"], -item["granted"], item["name"], item["benefit_id"]))


def _codes(session: Session, business: Business, period: Period) -> list[dict[str, Any]]:
    """Shared codes one by one; one-time codes of a bulk batch together, as a marketer hands them out."""
    query = (
        select(PromoCode.id, PromoCode.code, PromoCode.batch_id, func.count(CodeUse.id))
        .outerjoin(
            CodeUse,
            (CodeUse.business_id == PromoCode.business_id)
            & (CodeUse.code_id == PromoCode.id)
            & CodeUse.released_at.is_(None)
            & (CodeUse.at >= period.start)
            & (CodeUse.at < period.end),
        )
        .where(PromoCode.business_id == business.id)
        .group_by(PromoCode.id, PromoCode.code, PromoCode.batch_id)
    )
    shared: list[dict[str, Any]] = []
    batches: dict[uuid.UUID, dict[str, Any]] = {}
    for code_id, code, batch_id, uses in session.execute(query):
        if batch_id is None:
            shared.append({"code_id": str(code_id), "code": code, "batch_id": None, "codes": 1, "uses": int(uses)})
            continue
        batch = batches.setdefault(
            batch_id, {"code_id": None, "code": None, "batch_id": str(batch_id), "codes": 0, "uses": 0}
        )
        batch["codes"] += 1
        batch["uses"] += int(uses)
    listed = shared + list(batches.values())
    return sorted(listed, key=lambda item: (-item["uses"], item["code"] or "", item["batch_id"] or ""))


def as_json(found: Figures, business: Business) -> dict[str, Any]:
    exponent = currency_exponent(business.currency)
    point_value = from_minor(business.point_value_minor, exponent)

    def cost(hundredths: int) -> str:
        return str(quantize_money(hundredths_to_points(hundredths) * point_value, exponent))

    total = sum(rule.points for rule in found.rules)
    return {
        "from": found.period.start.isoformat(),
        "until": found.period.end.isoformat(),
        "timezone": business.timezone,
        "currency": business.currency,
        "point_value": str(point_value),
        "points": format_points(business, total),
        "cost": cost(total),
        "members": found.members,
        "taken_back": format_points(business, found.taken_back),
        "taken_back_by_cancels": format_points(business, found.taken_back_by_cancels),
        "taken_back_by_returns": format_points(business, found.taken_back - found.taken_back_by_cancels),
        "rules": [
            {
                "rule_id": str(rule.rule_id),
                "name": rule.name,
                "status": rule.status,
                "trigger": rule.trigger,
                "points": format_points(business, rule.points),
                "cost": cost(rule.points),
                "purchases": rule.purchases,
                "members": rule.members,
            }
            for rule in found.rules
        ],
        "by_day": [
            {"day": day.isoformat(), "points": format_points(business, found.by_day.get(day, 0))}
            for day in found.period.days()
        ],
        "benefits": found.benefits,
        "codes": found.codes,
    }


def report(db: Database, who: Principal, *, from_: str | None, until: str | None) -> dict[str, Any]:
    """The figures of the period (default: the last 30 days) for an admin, as their JSON answer."""
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        period = periods.period(from_, until, timezone=business.timezone, at=now())
        return as_json(figures(session, business=business, period=period), business)
