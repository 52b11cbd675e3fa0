"""The Campaign Center's dashboard figures (admin keys)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from loyalty.api.deps import admin, database
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.reports import dashboard as reports
from loyalty.reports import till_discounts

router = APIRouter(prefix="/v1", tags=["reports"])


class DayOut(BaseModel):
    date: str
    earned: str
    taken_back: str = Field(description="Earned points taken back by cancellations and returns.")
    spent: str = Field(description="Points paid at the till.")
    given_back: str = Field(description="Points payments cancelled.")
    adjusted: str = Field(description="Corrections, signed.")


class PointsReportOut(BaseModel):
    currency: str
    timezone: str
    from_: str = Field(alias="from")
    until: str
    days: list[DayOut]
    totals: dict[str, str]
    outstanding: str = Field(description="Points on all members' accounts now, summed from the ledger.")
    outstanding_value: str = Field(description="What the outstanding points are worth at the point value.")
    point_value: str
    members: int


@router.get("/reports/points", response_model=PointsReportOut, response_model_by_alias=True)
def points_report(
    days: int = Query(default=30, ge=1, le=reports.MAX_DAYS, description="Local days, ending today."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> dict[str, Any]:
    """Points earned, taken back, spent, given back and adjusted per day, and the points outstanding."""
    return reports.points_report(db, who, days=days)


class TillDifferenceOut(BaseModel):
    terminal_id: str
    terminal: str
    pos_id: str | None = Field(description="The till's own id (Como's X-Pos-Id).")
    branch: str
    sales_that_differ: int
    till_discounts: str = Field(description="The loyalty discounts the till charged on those sales.")
    loyalty_discounts: str = Field(description="What loyalty itself would have given on them.")
    difference: str = Field(description="Till less loyalty: positive when the till gave more.")
    last_at: str | None


class TillDifferencesOut(BaseModel):
    currency: str
    days: int
    tills: list[TillDifferenceOut]


@router.get("/reports/till-discounts", response_model=TillDifferencesOut)
def till_discounts_report(
    days: int = Query(default=30, ge=1, le=till_discounts.MAX_DAYS, description="Days back from now."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> dict[str, Any]:
    """Per till, the closed sales whose loyalty discount as the till charged it differs from loyalty's own."""
    return till_discounts.report(db, who, days=days)
