"""`limits`: how many times a rule may fire for one member per calendar period (business local time)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final, Literal

__all__ = ["PERIODS", "Limits", "Period", "limit_reached"]

Period = Literal["day", "week", "month", "year", "ever"]
PERIODS: Final[tuple[Period, ...]] = ("day", "week", "month", "year", "ever")


@dataclass(frozen=True, slots=True)
class Limits:
    """`per_member` firings per `period`: a calendar day, ISO week (Mon-Sun), month, year, or ever."""

    per_member: int
    period: Period = "ever"


def limit_reached(limits: Limits, uses: Iterable[datetime], *, at: datetime, timezone: tzinfo) -> bool:
    """True when the member has already used up the rule in the period that contains `at`."""
    if limits.period == "ever":
        count = sum(1 for _ in uses)
    else:
        current = _period_key(limits.period, at.astimezone(timezone))
        keys = (_period_key(limits.period, used_at.astimezone(timezone)) for used_at in uses)
        count = sum(1 for key in keys if key == current)
    return count >= limits.per_member


def _period_key(period: Period, local: datetime) -> tuple[int, ...]:
    if period == "day":
        return (local.year, local.month, local.day)
    if period == "week":
        iso = local.isocalendar()
        return (iso.year, iso.week)
    if period == "month":
        return (local.year, local.month)
    return (local.year,)
