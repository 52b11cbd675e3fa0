"""Lots in a member's words: the day points expire, when pending points become spendable."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.db.models import PointsLot


def day(moment: datetime, timezone: str) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y}"


def expiry_day(expires_at: datetime, timezone: str) -> str:
    """Points expire at the local midnight that ends their last day: that day is the one to name."""
    return day(expires_at - timedelta(seconds=1), timezone)


def lot_detail(lot: PointsLot, timezone: str, at: datetime) -> str:
    """ "Spendable from 3 April 2027" for pending points, "Spendable since …" once released, and the expiry."""
    parts = []
    if lot.available_at > at:
        parts.append(f"Pending: spendable from {day(lot.available_at, timezone)}")
    elif lot.available_at > lot.earned_at:
        parts.append(f"Spendable since {day(lot.available_at, timezone)}")
    if lot.expires_at is not None:
        verb = "Expired" if lot.expires_at <= at else "Expire"
        parts.append(f"{verb} on {expiry_day(lot.expires_at, timezone)}")
    return " · ".join(parts)
