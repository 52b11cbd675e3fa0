"""Points with dates: a member's lots, the tiers, and the liability report."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.db.engine import Database
from loyalty.db.models import Business, PointsLot, Tier, now
from loyalty.members import access, tiers
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points
from loyalty.wallet.lots.liability import liability

router = APIRouter(prefix="/v1", tags=["points"])

MAX_LOTS = 500


class LotOut(BaseModel):
    id: str
    kind: str = Field(description="What made it: earn, adjust, refund, opening (points held before lots).")
    points: str = Field(description="Points earned in this lot.")
    remaining: str = Field(description="Points it still holds.")
    expired: str = Field(description="Points of it that expired.")
    status: str = Field(description="pending, available, expired (by now) or used (holds nothing)")
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None
    purchase_id: str | None


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Shown to members and matched by `member_tiers` ignoring case.")
    threshold: Any = Field(
        description='Points earned in the tier window that reach this tier: "500" or 500.',
        json_schema_extra={"type": ["string", "number"]},
    )


class TierOut(BaseModel):
    name: str
    threshold: str


class TiersOut(BaseModel):
    tiers: list[TierOut]
    tier_window_days: int


class MonthOut(BaseModel):
    month: str = Field(description="The local month the points expire in, YYYY-MM.")
    points: str
    value: str


class LiabilityOut(BaseModel):
    at: datetime
    currency: str
    point_value: str
    months: list[MonthOut]
    never_expiring: MonthOut | None = Field(description="Points that never expire (month is null-like: 'never').")
    pending_points: str = Field(description="Of the points owed, those not spendable yet.")
    total_points: str
    total_value: str


def _status(lot: PointsLot, at: datetime) -> str:
    if lot.remaining == 0:
        return "expired" if lot.expired and lot.expired == lot.amount else "used"
    if lot.expires_at is not None and lot.expires_at <= at:
        return "expired"
    return "pending" if lot.available_at > at else "available"


@router.get("/members/{member_id}/points/lots", response_model=list[LotOut])
def lots(
    member_id: uuid.UUID,
    include_used: bool = Query(default=False, description="Also lots that hold nothing any more."),
    limit: int = Query(default=100, ge=1, le=MAX_LOTS),
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
) -> list[LotOut]:
    """The member's lots: the ones still holding points in the order they are spent (expiring first first), or
    with `include_used` every lot, newest first."""
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
        return [_lot_out(business, lot, at) for lot in session.scalars(query.limit(limit))]


def _lot_out(business: Business, lot: PointsLot, at: datetime) -> LotOut:
    def points(hundredths: int) -> str:
        return members.format_points(business, hundredths)

    return LotOut(
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


def _tiers_out(business: Business, rows: list[Tier]) -> TiersOut:
    return TiersOut(
        tiers=[TierOut(name=tier.name, threshold=members.format_points(business, tier.threshold)) for tier in rows],
        tier_window_days=business.tier_window_days,
    )


@router.get("/tiers", response_model=TiersOut)
def show_tiers(who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> TiersOut:
    with db.read() as session:
        business = access.business(session, who.business_id)
        return _tiers_out(business, tiers.tiers(session, business_id=business.id))


@router.put("/tiers", response_model=TiersOut)
def replace_tiers(
    body: list[TierIn] = Body(max_length=tiers.MAX_TIERS),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> TiersOut:
    """Replace the tiers: `[{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "500"}]`."""

    def work(session: Session) -> TiersOut:
        business = access.business(session, who.business_id)
        rows = tiers.replace(
            session, business=business, bodies=[(tier.name, tier.threshold) for tier in body], actor=who.actor
        )
        return _tiers_out(business, rows)

    return db.write(work)


@router.get("/reports/liability", response_model=LiabilityOut)
def liability_report(who: Principal = Depends(admin), db: Database = Depends(database)) -> LiabilityOut:
    """The points members hold and their worth at the point value, by the month they expire."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        at = now()
        owed = liability(session, business=business, at=at)
        exponent = currency_exponent(business.currency)
        point_value = from_minor(business.point_value_minor, exponent)

        def line(month: str, hundredths: int) -> MonthOut:
            return MonthOut(
                month=month,
                points=members.format_points(business, hundredths),
                value=_worth(hundredths, point_value, exponent),
            )

        return LiabilityOut(
            at=at,
            currency=business.currency,
            point_value=str(point_value),
            months=[line(month, points) for month, points in owed.by_month.items()],
            never_expiring=line("never", owed.never) if owed.never else None,
            pending_points=members.format_points(business, owed.pending),
            total_points=members.format_points(business, owed.total),
            total_value=_worth(owed.total, point_value, exponent),
        )


def _worth(hundredths: int, point_value: Decimal, exponent: int) -> str:
    """Points times the point value, to the currency's minor unit (half-even: a report, not a payment)."""
    from loyalty.money import quantize_money

    return str(quantize_money(hundredths_to_points(hundredths) * point_value, exponent))
