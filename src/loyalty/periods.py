"""A period of the business's calendar asked for by `from` and `until`, as backtests and rule figures read them.

Each bound is a date (a whole local day: `from` its first moment, `until` included through its last) or an
RFC 3339 time with an offset (`until` then exclusive, as every `*_until` is). Without `until` the period ends
now; without `from` it starts 30 local days before its end. At most 366 days, so a typo cannot ask for a century.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from loyalty.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, and the local days it touches, first and last included."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()

    def days(self) -> list[date]:
        first, last = self.first_day, self.last_day
        return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def period(raw_from: str | None, raw_until: str | None, *, timezone: str, at: datetime) -> Period:
    """The period the caller asked for, or InvalidInput naming `from` or `until`."""
    zone = ZoneInfo(timezone)
    end = at if raw_until is None else _moment(raw_until, "until", zone, end=True)
    if raw_from is None:
        local_end = (end - timedelta(microseconds=1)).astimezone(zone).date()
        start = datetime.combine(local_end - timedelta(days=DEFAULT_DAYS - 1), time(0), zone).astimezone(UTC)
    else:
        start = _moment(raw_from, "from", zone, end=False)
    if start >= end:
        if raw_until is None:
            raise InvalidInput("from", "must be in the past: the period ends now when until is not given")
        raise InvalidInput("until", "must be after from")
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput("from", f"must be at most {MAX_DAYS} days before until")
    return Period(start.astimezone(UTC), end.astimezone(UTC), zone)


def _moment(raw: str, name: str, zone: ZoneInfo, *, end: bool) -> datetime:
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time(0), zone).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):  # OverflowError: a day at the edge of the calendar, like 9999-12-31
        expected = 'must be a date like "2026-11-01" or a time like "2026-11-01T09:00:00+01:00"'
        raise InvalidInput(name, expected) from None
    if moment.tzinfo is None:
        raise InvalidInput(name, 'needs an offset, like "2026-11-01T09:00:00+01:00", or a plain date')
    if not datetime(1970, 1, 2, tzinfo=UTC) <= moment <= datetime(9999, 1, 1, tzinfo=UTC):
        raise InvalidInput(name, "is out of range")
    return moment.astimezone(UTC)
