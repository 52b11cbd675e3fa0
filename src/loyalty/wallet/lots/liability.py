"""What the business owes its members: the points they hold, and their worth, by the month they expire.

Points expired by now count nowhere, even before `loyalty expire` has posted them; pending points are owed (they
become spendable without anything more from the member) and are shown apart as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from loyalty.db.models import Business, PointsLot


@dataclass
class Liability:
    by_month: dict[str, int] = field(default_factory=dict)  # "2027-03" -> hundredths expiring that local month
    never: int = 0  # hundredths that never expire
    pending: int = 0  # of all the above, hundredths not spendable yet

    @property
    def total(self) -> int:
        return sum(self.by_month.values()) + self.never


def liability(session: Session, *, business: Business, at: datetime) -> Liability:
    zone = ZoneInfo(business.timezone)
    owed = Liability()
    held = (
        PointsLot.business_id == business.id,
        PointsLot.remaining > 0,
        or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > at),
    )
    # One row per moment of expiry: lots expire at local midnights, so there are at most a few thousand.
    query = select(PointsLot.expires_at, func.sum(PointsLot.remaining)).where(*held).group_by(PointsLot.expires_at)
    for expires_at, points in session.execute(query):
        if expires_at is None:
            owed.never += int(points)
            continue
        last_day = (expires_at - timedelta(seconds=1)).astimezone(zone)
        month = f"{last_day:%Y-%m}"
        owed.by_month[month] = owed.by_month.get(month, 0) + int(points)
    owed.by_month = dict(sorted(owed.by_month.items()))
    pending = select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(*held, PointsLot.available_at > at)
    owed.pending = int(session.scalar(pending) or 0)
    return owed
