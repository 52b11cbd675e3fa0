"""What the engine says, as data: a message id and its values, rendered in a language by the shell.

The id is the English sentence with named fields (`"{percent}% of {paid}{on}{note} = {points}"`), so it is both
the key the catalogues translate and, rendered here, the English explanation the engine has always given.
Values keep their kind (an amount of money, points, a plain number, a list read with "or", a nested message),
so the shell can write each the way a locale does (`1'234.50`, `1'234,50`); names a marketer wrote (a rule's,
a code, a tag) stay as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from loyalty.rules.wording import format_money, format_number, format_points, join_or
from loyalty.rules.written import Translations, name_in, translations_of

__all__ = [
    "Amount",
    "Message",
    "Moment",
    "Name",
    "Names",
    "Number",
    "Points",
    "Value",
    "Weekdays",
    "from_data",
    "msg",
    "named",
]

# Python's date.weekday() numbering (mon = 0), as a rule file writes the days.
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Amount:
    """Money without its currency, at the currency's decimals: "1234.50"."""

    value: Decimal
    exponent: int

    def english(self) -> str:
        return format_money(self.value, self.exponent)


@dataclass(frozen=True, slots=True)
class Points:
    """Points: whole ones bare ("30"), others at the business precision ("1.50")."""

    value: Decimal
    decimals: int

    def english(self) -> str:
        return format_points(self.value, self.decimals)


@dataclass(frozen=True, slots=True)
class Number:
    """A plain number without trailing zeros: a percent, a quantity, "2.5"."""

    value: Decimal

    def english(self) -> str:
        return format_number(self.value)


@dataclass(frozen=True, slots=True)
class Names:
    """Names a marketer or a till wrote, read as alternatives: "dairy", "A, B or C"."""

    names: tuple[str, ...]

    def english(self) -> str:
        return join_or(self.names)


@dataclass(frozen=True, slots=True)
class Name:
    """A name a marketer wrote (a rule's, a punch card's) with its translations: a reader sees theirs, or the name
    as written."""

    written: str
    translations: Translations = ()

    def english(self) -> str:
        return name_in(self.written, self.translations, "en")

    def said_in(self, language: str | None) -> str:
        return name_in(self.written, self.translations, language)


@dataclass(frozen=True, slots=True)
class Weekdays:
    """Days of the week by `date.weekday()` number: "mon, wed, fri" in English, the locale's day names elsewhere."""

    days: tuple[int, ...]

    def english(self) -> str:
        return ", ".join(_WEEKDAYS[day] for day in self.days)


@dataclass(frozen=True, slots=True)
class Moment:
    """An instant: ISO 8601 in English (as the API writes it), the locale's date and time in the business's
    time zone (`timezone`, an IANA name) elsewhere."""

    at: datetime
    timezone: str

    def english(self) -> str:
        return self.at.isoformat()


def named(written: str, translations: Translations) -> str | Name:
    """A name as a message value: plain text when it has no translations, so such messages read as they always did."""
    return Name(written, translations) if translations else written


@dataclass(frozen=True, slots=True)
class Message:
    """A sentence to render: `id` names the fields `values` fills (a str value is shown as written)."""

    id: str
    values: tuple[tuple[str, Value], ...] = ()

    def english(self) -> str:
        return self.id.format_map({name: _english(value) for name, value in self.values})

    def to_data(self) -> dict[str, Any]:
        """JSON-ready, to store with what it explains (a ledger entry) and render later in another language."""
        return {"id": self.id, "values": {name: _data(value) for name, value in self.values}}


Value = str | Amount | Points | Number | Names | Name | Weekdays | Moment | Message


def msg(id: str, **values: Value) -> Message:
    return Message(id, tuple(values.items()))


def _english(value: Value) -> str:
    return value if isinstance(value, str) else value.english()


def _data(value: Value) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, Amount):
        return {"amount": str(value.value), "exponent": value.exponent}
    if isinstance(value, Points):
        return {"points": str(value.value), "decimals": value.decimals}
    if isinstance(value, Number):
        return {"number": str(value.value)}
    if isinstance(value, Names):
        return {"names": list(value.names)}
    if isinstance(value, Name):
        return {"name": value.written, "translations": dict(value.translations)}
    if isinstance(value, Weekdays):
        return {"weekdays": list(value.days)}
    if isinstance(value, Moment):
        return {"moment": value.at.isoformat(), "timezone": value.timezone}
    return {"message": value.to_data()}


def from_data(data: Any) -> Message:
    """The message `Message.to_data` stored."""
    return Message(str(data["id"]), tuple((name, _value(raw)) for name, raw in dict(data.get("values", {})).items()))


def _value(raw: Any) -> Value:
    if isinstance(raw, str):
        return raw
    if "amount" in raw:
        return Amount(Decimal(raw["amount"]), int(raw["exponent"]))
    if "points" in raw:
        return Points(Decimal(raw["points"]), int(raw["decimals"]))
    if "number" in raw:
        return Number(Decimal(raw["number"]))
    if "names" in raw:
        return Names(tuple(str(name) for name in raw["names"]))
    if "name" in raw:
        return Name(str(raw["name"]), translations_of(raw.get("translations")))
    if "weekdays" in raw:
        return Weekdays(tuple(int(day) for day in raw["weekdays"]))
    if "moment" in raw:
        return Moment(datetime.fromisoformat(raw["moment"]), str(raw["timezone"]))
    return from_data(raw["message"])
