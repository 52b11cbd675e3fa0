"""One member of an import file, read and checked before anything is written: its fields spelled as the database
keeps them, or `RowRejected` naming the field and the reason.

A field the file does not have leaves what the member holds alone; a field it has but leaves empty (or null)
means none: no phone, no points, no credit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from loyalty.errors import InvalidInput
from loyalty.money import POINTS_EXPONENT, to_minor

# The CSV columns, in the order an export writes them.
COLUMNS = (
    "external_id",
    "phone",
    "email",
    "first_name",
    "last_name",
    "birthday",
    "member_number",
    "status",
    "joined_at",
    "language",
    "tags",
    "consent_terms",
    "consent_sms",
    "consent_email",
    "points",
    "points_expire_at",
    "credit",
)
# NDJSON has the same fields, `lots` instead of `points` and `points_expire_at`, `benefits`, and the consent log.
NDJSON_FIELDS = frozenset(COLUMNS) | {"lots", "benefits", "consents"}
PROFILE = ("phone", "email", "first_name", "last_name", "birthday", "member_number", "status", "tags")
IMPORTED_STATUSES = ("active", "blocked")
CONSENT_PURPOSES = ("terms", "sms", "email")
MAX_LOTS = 1000
MAX_BENEFITS = 1000
MAX_POINTS = Decimal(10) ** 13
MAX_CREDIT = Decimal(10) ** 9


class RowRejected(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Lot:
    points: int  # hundredths
    earned_at: datetime | None  # None: the file did not say (a CSV's single lot)
    expires_at: datetime | None


@dataclass(frozen=True)
class Benefit:
    benefit: str  # the benefit's id, or its name
    name: str  # the benefit's name as the export wrote it: how another business's copy of it is found
    granted_at: datetime | None
    valid_until: datetime | None
    field: str


@dataclass(frozen=True)
class Consent:
    purpose: str
    given: bool
    at: datetime


@dataclass
class MemberRow:
    line: int
    external_id: str
    profile: dict[str, Any] = field(default_factory=dict)  # only the fields the file has
    joined_at: datetime | None = None
    consent: dict[str, bool] = field(default_factory=dict)
    consent_log: list[Consent] | None = None
    lots: list[Lot] | None = None  # None: the file says nothing of points
    credit: int | None = None  # minor units; None: nothing said
    benefits: list[Benefit] | None = None


@dataclass(frozen=True)
class Spelling:
    """What reading a row needs of its business."""

    country: str
    timezone: str
    currency_exponent: int


def check_columns(header: list[str]) -> None:
    """A CSV header: every column known, `external_id` among them; a 422 naming the first that is not."""
    for name in header:
        if name not in COLUMNS:
            raise InvalidInput(name or "header", f"is not an import column; the columns are {', '.join(COLUMNS)}")
    if "external_id" not in header:
        raise InvalidInput("external_id", "is a required column")
    if len(set(header)) != len(header):
        raise InvalidInput("header", "names a column twice")


def from_csv(line: int, values: Mapping[str, str | None], spelling: Spelling) -> MemberRow:
    row = _common(line, values, spelling, csv=True)
    if "points" in values or "points_expire_at" in values:
        points = _points(values.get("points"), "points")
        expires = _moment(values.get("points_expire_at"), "points_expire_at", spelling, end_of_day=True)
        row.lots = [Lot(points, None, expires)] if points else []
    if "tags" in values:
        text = values.get("tags") or ""
        row.profile["tags"] = [tag for tag in (part.strip() for part in text.split(";")) if tag]
    return row


def from_json(line: int, values: Mapping[str, Any], spelling: Spelling) -> MemberRow:
    unknown = sorted(set(values) - NDJSON_FIELDS)
    if unknown:
        raise RowRejected(unknown[0], "is not an import field")
    row = _common(line, values, spelling, csv=False)
    if "points" in values and "lots" in values:
        raise RowRejected("lots", "give either lots or points, not both")
    if "points" in values or "points_expire_at" in values:
        points = _points(values.get("points"), "points")
        expires = _moment(values.get("points_expire_at"), "points_expire_at", spelling, end_of_day=True)
        row.lots = [Lot(points, None, expires)] if points else []
    if "lots" in values:
        row.lots = _lots(values["lots"], spelling)
    if "benefits" in values:
        row.benefits = _benefits(values["benefits"], spelling)
    if "consents" in values:
        row.consent_log = _consent_log(values["consents"], spelling)
    if "tags" in values:
        tags = values["tags"]
        if tags is None:
            tags = []
        if isinstance(tags, str):
            tags = [part.strip() for part in tags.split(";") if part.strip()]
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise RowRejected("tags", "must be a list of texts")
        row.profile["tags"] = tags
    return row


def _common(line: int, values: Mapping[str, Any], spelling: Spelling, *, csv: bool) -> MemberRow:
    external_id = _text(values.get("external_id"), "external_id")
    if not external_id:
        raise RowRejected("external_id", "is required")
    if len(external_id) > 128:
        raise RowRejected("external_id", "must be at most 128 characters")
    row = MemberRow(line=line, external_id=external_id)
    for name in ("phone", "email", "member_number"):
        if name in values:
            row.profile[name] = _text(values[name], name) or None
    for name in ("first_name", "last_name"):
        if name in values:
            text = _text(values[name], name)
            if len(text) > 100:
                raise RowRejected(name, "must be at most 100 characters")
            row.profile[name] = text
    if "birthday" in values:
        row.profile["birthday"] = _date(values["birthday"], "birthday")
    if "status" in values:
        status = _text(values["status"], "status") or "active"
        if status not in IMPORTED_STATUSES:
            raise RowRejected("status", f"must be one of {', '.join(IMPORTED_STATUSES)}")
        row.profile["status"] = status
    if "joined_at" in values:
        row.joined_at = _moment(values["joined_at"], "joined_at", spelling, end_of_day=False)
    if "language" in values:
        _text(values["language"], "language")  # read and checked; kept once members have a language
    for purpose in CONSENT_PURPOSES:
        name = f"consent_{purpose}"
        if name in values and values[name] not in (None, ""):
            row.consent[purpose] = _flag(values[name], name)
    if "credit" in values:
        row.credit = _money(values["credit"], "credit", spelling)
    return row


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RowRejected(name, "must be text")
    return value.strip()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise RowRejected(name, "must be true or false")


def _decimal(value: Any, name: str, example: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise RowRejected(name, f'must be a number written like "{example}"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise RowRejected(name, f'must be a number written like "{example}"') from None
    if not amount.is_finite():
        raise RowRejected(name, f'must be a number written like "{example}"')
    if amount < 0:
        raise RowRejected(name, "must not be negative")
    return amount


def _points(value: Any, name: str) -> int:
    amount = _decimal(value, name, "120.5")
    if amount is None:
        return 0
    if amount > MAX_POINTS:
        raise RowRejected(name, f"must be at most {MAX_POINTS}")
    try:
        return to_minor(amount, POINTS_EXPONENT)
    except ValueError:
        raise RowRejected(name, "has more than 2 decimals") from None


def _money(value: Any, name: str, spelling: Spelling) -> int:
    amount = _decimal(value, name, "25.00")
    if amount is None:
        return 0
    if amount > MAX_CREDIT:
        raise RowRejected(name, f"must be at most {MAX_CREDIT}")
    try:
        return to_minor(amount, spelling.currency_exponent)
    except ValueError:
        raise RowRejected(name, "has more decimals than the currency has") from None


def _date(value: Any, name: str) -> date | None:
    text = _text(value, name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowRejected(name, "must be a date like 1990-04-23") from None


def _moment(value: Any, name: str, spelling: Spelling, *, end_of_day: bool) -> datetime | None:
    """RFC 3339 with its offset, or a date: the start of that day in the business's time zone, or (a point's
    expiry) the midnight that ends it, as points expire at the end of their last day."""
    text = _text(value, name)
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            return datetime.combine(day, time(0), ZoneInfo(spelling.timezone)).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowRejected(name, "must be a time like 2027-03-31T00:00:00+00:00 or a date like 2027-03-31") from None
    if moment.tzinfo is None:
        raise RowRejected(name, "must give its offset, like 2027-03-31T00:00:00+02:00")
    return moment.astimezone(UTC)


def _lots(value: Any, spelling: Spelling) -> list[Lot]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowRejected("lots", 'must be a list like [{"points": "120", "earned_at": …, "expires_at": …}]')
    if len(value) > MAX_LOTS:
        raise RowRejected("lots", f"must hold at most {MAX_LOTS} lots")
    lots = []
    for index, item in enumerate(value):
        where = f"lots.{index}"
        if not isinstance(item, dict):
            raise RowRejected(where, 'must be {"points", "earned_at", "expires_at"}')
        unknown = sorted(set(item) - {"points", "earned_at", "expires_at"})
        if unknown:
            raise RowRejected(f"{where}.{unknown[0]}", "is not a lot field")
        points = _points(item.get("points"), f"{where}.points")
        if points == 0:
            raise RowRejected(f"{where}.points", "must be more than zero")
        earned = _moment(item.get("earned_at"), f"{where}.earned_at", spelling, end_of_day=False)
        expires = _moment(item.get("expires_at"), f"{where}.expires_at", spelling, end_of_day=True)
        if earned is not None and expires is not None and expires <= earned:
            raise RowRejected(f"{where}.expires_at", "must be after earned_at")
        lots.append(Lot(points, earned, expires))
    return lots


def _benefits(value: Any, spelling: Spelling) -> list[Benefit]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowRejected("benefits", 'must be a list like [{"benefit_id", "granted_at", "valid_until"}]')
    if len(value) > MAX_BENEFITS:
        raise RowRejected("benefits", f"must hold at most {MAX_BENEFITS} entries")
    benefits = []
    for index, item in enumerate(value):
        where = f"benefits.{index}"
        if not isinstance(item, dict):
            raise RowRejected(where, 'must be {"benefit_id", "granted_at", "valid_until"}')
        unknown = sorted(set(item) - {"benefit_id", "granted_at", "valid_until", "name"})
        if unknown:
            raise RowRejected(f"{where}.{unknown[0]}", "is not a wallet entry field")
        benefit = _text(item.get("benefit_id"), f"{where}.benefit_id")
        if not benefit:
            raise RowRejected(f"{where}.benefit_id", "is required")
        granted = _moment(item.get("granted_at"), f"{where}.granted_at", spelling, end_of_day=False)
        until = _moment(item.get("valid_until"), f"{where}.valid_until", spelling, end_of_day=True)
        name = _text(item.get("name"), f"{where}.name")
        benefits.append(Benefit(benefit, name, granted, until, where))
    return benefits


def _consent_log(value: Any, spelling: Spelling) -> list[Consent]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RowRejected("consents", 'must be a list like [{"purpose": "sms", "given": true, "at": …}]')
    log = []
    for index, item in enumerate(value[:MAX_LOTS]):
        where = f"consents.{index}"
        if not isinstance(item, dict) or item.get("purpose") not in CONSENT_PURPOSES:
            raise RowRejected(f"{where}.purpose", f"must be one of {', '.join(CONSENT_PURPOSES)}")
        at = _moment(item.get("at"), f"{where}.at", spelling, end_of_day=False)
        if at is None:
            raise RowRejected(f"{where}.at", "is required")
        log.append(Consent(item["purpose"], _flag(item.get("given"), f"{where}.given"), at))
    return log
