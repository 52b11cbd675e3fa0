"""Points with dates: a member's lots, the tiers, and the liability report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.db.engine import Database
from loyalty.members import tiers
from loyalty.members.access import Principal
from loyalty.wallet.lots import standing

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
    found = standing.lots(db, who, member_id, include_used=include_used, limit=limit)
    return [LotOut.model_validate(lot, from_attributes=True) for lot in found]


@router.get("/tiers", response_model=TiersOut)
def show_tiers(who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> TiersOut:
    return TiersOut.model_validate(standing.ladder(db, who), from_attributes=True)


@router.put("/tiers", response_model=TiersOut)
def replace_tiers(
    body: list[TierIn] = Body(max_length=tiers.MAX_TIERS),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> TiersOut:
    """Replace the tiers: `[{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "500"}]`."""
    changed = standing.set_ladder(db, who, [(tier.name, tier.threshold) for tier in body])
    return TiersOut.model_validate(changed, from_attributes=True)


@router.get("/reports/liability", response_model=LiabilityOut)
def liability_report(who: Principal = Depends(admin), db: Database = Depends(database)) -> LiabilityOut:
    """The points members hold and their worth at the point value, by the month they expire."""
    return LiabilityOut.model_validate(standing.owed(db, who), from_attributes=True)
