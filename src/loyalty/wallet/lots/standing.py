"""A door's readings of points as lots: a member's lots (admin or till), the tier ladder, and what the business
owes in points by the month they expire (the liability report)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, PointsLot, Tier, now
from loyalty.members import access, reading, tiers
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, quantize_money
from loyalty.wallet.lots.liability import liability


@dataclass(frozen=True)
class LotCard:
    id: str
    kind: str
    points: str
    remaining: str
    expired: str
    status: str
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None
    purchase_id: str | None


@dataclass(frozen=True)
class Step:
    name: str
    threshold: str


@dataclass(frozen=True)
class Ladder:
    tiers: list[Step]
    tier_window_days: int


@dataclass(frozen=True)
class Month:
    month: str
    points: str
    value: str


@dataclass(frozen=True)
class Owed:
    at: datetime
    currency: str
    point_value: str
    months: list[Month]
    never_expiring: Month | None
    pending_points: str
    total_points: str
    total_value: str


def lots(db: Database, who: Principal, member_id: uuid.UUID, *, include_used: bool, limit: int) -> list[LotCard]:
    """The member's lots: those still holding points in the order they are spent (expiring first first), or with
    `include_used` every lot, newest first."""
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        members.get(session, business_id=business.id, member_id=member_id)
        query = select(PointsLot).where(PointsLot.business_id == business.id, PointsLot.member_id == member_id)
        if include_used:
            query = query.order_by(PointsLot.earned_at.desc(), PointsLot.id)
        else:
            query = query.where(PointsLot.remaining > 0).order_by(
                PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.earned_at, PointsLot.id
            )
        at = now()
        return [_lot(business, lot, at) for lot in session.scalars(query.limit(limit))]


def _status(lot: PointsLot, at: datetime) -> str:
    if lot.remaining == 0:
        return "expired" if lot.expired and lot.expired == lot.amount else "used"
    if lot.expires_at is not None and lot.expires_at <= at:
        return "expired"
    return "pending" if lot.available_at > at else "available"


def _lot(business: Business, lot: PointsLot, at: datetime) -> LotCard:
    def points(hundredths: int) -> str:
        return members.format_points(business, hundredths)

    return LotCard(
        id=str(lot.id),
        kind=lot.kind,
        points=points(lot.amount),
        remaining=points(lot.remaining),
        expired=points(lot.expired + (lot.remaining if lot.expires_at and lot.expires_at <= at else 0)),
        status=_status(lot, at),
        earned_at=lot.earned_at,
        available_at=lot.available_at,
        expires_at=lot.expires_at,
        purchase_id=str(lot.purchase_id) if lot.purchase_id else None,
    )


def _ladder(business: Business, rows: Sequence[Tier]) -> Ladder:
    steps = [Step(tier.name, members.format_points(business, tier.threshold)) for tier in rows]
    return Ladder(steps, business.tier_window_days)


def ladder(db: Database, who: Principal) -> Ladder:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return _ladder(business, tiers.tiers(session, business_id=business.id))


def set_ladder(db: Database, who: Principal, steps: Sequence[tuple[object, object]]) -> Ladder:
    """Replace the tiers by these (name, threshold) steps."""
    reading.kinds(who, "admin")

    def work(session: Session) -> Ladder:
        business = access.business(session, who.business_id)
        return _ladder(business, tiers.replace(session, business=business, bodies=steps, actor=who.actor))

    return db.write(work)


def owed(db: Database, who: Principal) -> Owed:
    """The points members hold and their worth at the point value, by the month they expire."""
    reading.kinds(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        at = now()
        found = liability(session, business=business, at=at)
    exponent = currency_exponent(business.currency)
    point_value = from_minor(business.point_value_minor, exponent)

    def line(month: str, hundredths: int) -> Month:
        return Month(month, members.format_points(business, hundredths), _worth(hundredths, point_value, exponent))

    return Owed(
        at=at,
        currency=business.currency,
        point_value=str(point_value),
        months=[line(month, points) for month, points in found.by_month.items()],
        never_expiring=line("never", found.never) if found.never else None,
        pending_points=members.format_points(business, found.pending),
        total_points=members.format_points(business, found.total),
        total_value=_worth(found.total, point_value, exponent),
    )


def _worth(hundredths: int, point_value: Decimal, exponent: int) -> str:
    """Points times the point value, to the currency's minor unit (half-even: a report, not a payment)."""
    return str(quantize_money(hundredths_to_points(hundredths) * point_value, exponent))
