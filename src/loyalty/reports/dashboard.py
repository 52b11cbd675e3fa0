"""Figures for the Campaign Center's dashboard, read from the ledger (never from cached balances).

Points earned and spent per day of the business's own calendar, and the points outstanding. The database sums
per UTC hour (the one grouping SQLite and PostgreSQL spell alike enough) and Python folds the hours into local
days, so a day starts at the business's midnight. Zones offset by a half hour fold to the hour that contains them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member, now
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.members.accounts import format_points
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, quantize_money

# Ledger kinds as the dashboard names them; amounts shown positive, as a person reads them.
SERIES = {"earn": "earned", "unearn": "taken_back", "pay": "spent", "refund": "given_back", "adjust": "adjusted"}
MAX_DAYS = 366


@dataclass(frozen=True)
class Day:
    date: date
    hundredths: dict[str, int]  # series name -> hundredths (adjusted is signed, the others positive)


@dataclass(frozen=True)
class PointsReport:
    first: date
    last: date
    days: list[Day]
    outstanding: int  # hundredths on all members' accounts
    members: int


def _hour_bucket(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC (see models.UTCDateTime).
        return func.substr(LedgerEntry.created_at, 1, 13)
    return func.to_char(func.timezone("UTC", LedgerEntry.created_at), "YYYY-MM-DD HH24")


def points_by_day(session: Session, *, business: Business, days: int, at: datetime) -> PointsReport:
    """The last `days` local days up to and including today (at `at`), oldest first."""
    zone = ZoneInfo(business.timezone)
    last = at.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    bucket = _hour_bucket(session).label("hour")
    rows = session.execute(
        select(bucket, LedgerTransaction.kind, func.sum(LedgerEntry.amount))
        .join(
            LedgerTransaction,
            (LedgerTransaction.business_id == LedgerEntry.business_id)
            & (LedgerTransaction.id == LedgerEntry.transaction_id),
        )
        .where(
            LedgerEntry.business_id == business.id,
            LedgerEntry.account == "member",
            LedgerEntry.created_at >= start,
        )
        .group_by(bucket, LedgerTransaction.kind)
    )
    totals: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SERIES.values(), 0))
    for hour, kind, amount in rows:
        if kind not in SERIES:
            continue
        moment = datetime.strptime(str(hour), "%Y-%m-%d %H").replace(tzinfo=UTC)
        day = moment.astimezone(zone).date()
        signed = int(amount)
        # The member's side: earning and refunds are credits, spending and taking back are debits.
        totals[day][SERIES[kind]] += signed if kind in ("earn", "refund", "adjust") else -signed
    outstanding = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.business_id == business.id, LedgerEntry.account == "member"
        )
    )
    count = session.scalar(select(func.count()).select_from(Member).where(Member.business_id == business.id))
    series = [
        Day(day, dict(totals.get(day) or dict.fromkeys(SERIES.values(), 0)))
        for day in (first + timedelta(days=offset) for offset in range(days))
    ]
    return PointsReport(first, last, series, int(outstanding or 0), int(count or 0))


def as_json(report: PointsReport, business: Business) -> dict[str, Any]:
    """The report as the API shows it: points and money as decimal strings."""
    exponent = currency_exponent(business.currency)
    point_value = from_minor(business.point_value_minor, exponent)
    outstanding_points = hundredths_to_points(report.outstanding)
    sums: dict[str, int] = dict.fromkeys(SERIES.values(), 0)
    for day in report.days:
        for name, value in day.hundredths.items():
            sums[name] += value
    return {
        "currency": business.currency,
        "timezone": business.timezone,
        "from": report.first.isoformat(),
        "until": report.last.isoformat(),
        "days": [
            {"date": day.date.isoformat(), **{name: format_points(business, v) for name, v in day.hundredths.items()}}
            for day in report.days
        ],
        "totals": {name: format_points(business, value) for name, value in sums.items()},
        "outstanding": format_points(business, report.outstanding),
        "outstanding_value": str(quantize_money(outstanding_points * point_value, exponent)),
        "point_value": str(point_value),
        "members": report.members,
    }


def points_report(db: Database, who: Principal, *, days: int) -> dict[str, Any]:
    """The points report of the last `days` local days, ending today, for an admin, as its JSON answer."""
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return as_json(points_by_day(session, business=business, days=days, at=now()), business)
