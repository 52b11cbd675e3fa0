"""What a rule does when it fires: add points (fixed, repeat, rate, percent), grant a benefit, (un)tag, a deal.

The actions as values, with the words their explanations always use; `runners` runs them on a situation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from loyalty.rules.message import Message, Names, Number, Value, msg
from loyalty.rules.selectors import ItemSelector

__all__ = [
    "Action",
    "DealDiscount",
    "FixedPoints",
    "GrantBenefit",
    "PercentPoints",
    "PointsAction",
    "RatePoints",
    "RepeatPoints",
    "TagMember",
    "UntagMember",
    "earned_on",
    "points_word",
    "what_counted",
]


@dataclass(frozen=True, slots=True)
class _Wording:
    """What an action's explanations always say, worked out when the action is built, not per award: its
    number ("2", "0.5": the points, or the percent), "point" or "points", what it counts ("drinks", "items
    except alcohol") and what it earns on (" on dairy", or nothing for the whole sale), as message values."""

    number: Number
    word: Message
    what: Value
    on: Value

    @classmethod
    def of(cls, number: Decimal, items: ItemSelector | None, exclude: ItemSelector | None) -> _Wording:
        return cls(Number(number), points_word(number), what_counted(items, exclude), earned_on(items, exclude))


@dataclass(frozen=True, slots=True)
class FixedPoints:
    """Simple Mode: `points`, once per trigger."""

    type: ClassVar[Literal["add_points"]] = "add_points"
    mode: ClassVar[Literal["fixed"]] = "fixed"
    points: Decimal


@dataclass(frozen=True, slots=True)
class RepeatPoints:
    """Repeat Mode: floor(Q / every) x points, Q the quantity of the matching, non-excluded lines."""

    type: ClassVar[Literal["add_points"]] = "add_points"
    mode: ClassVar[Literal["repeat"]] = "repeat"
    points: Decimal
    every: Decimal = Decimal(1)
    items: ItemSelector | None = None
    exclude_items: ItemSelector | None = None
    wording: _Wording = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wording", _Wording.of(self.points, self.items, self.exclude_items))


@dataclass(frozen=True, slots=True)
class RatePoints:
    """Add by Rate: floor(E / per) x points, E the eligible spend (see IncludedSpend for `exclude_mops`)."""

    type: ClassVar[Literal["add_points"]] = "add_points"
    mode: ClassVar[Literal["rate"]] = "rate"
    points: Decimal
    per: Decimal
    items: ItemSelector | None = None
    exclude_items: ItemSelector | None = None
    exclude_mops: frozenset[str] = frozenset()
    wording: _Wording = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wording", _Wording.of(self.points, self.items, self.exclude_items))


@dataclass(frozen=True, slots=True)
class PercentPoints:
    """Add by Percent: E x percent / 100."""

    type: ClassVar[Literal["add_points"]] = "add_points"
    mode: ClassVar[Literal["percent"]] = "percent"
    percent: Decimal
    items: ItemSelector | None = None
    exclude_items: ItemSelector | None = None
    exclude_mops: frozenset[str] = frozenset()
    wording: _Wording = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wording", _Wording.of(self.percent, self.items, self.exclude_items))


@dataclass(frozen=True, slots=True)
class GrantBenefit:
    type: ClassVar[Literal["grant_benefit"]] = "grant_benefit"
    benefit_id: str


@dataclass(frozen=True, slots=True)
class TagMember:
    type: ClassVar[Literal["tag_member"]] = "tag_member"
    tag: str


@dataclass(frozen=True, slots=True)
class UntagMember:
    type: ClassVar[Literal["untag_member"]] = "untag_member"
    tag: str


@dataclass(frozen=True, slots=True)
class DealDiscount:
    """A deal: a discount every member whose purchase meets the rule gets, without a wallet entry.

    `percent` (with an optional `maximum`) or `amount`, on the lines `items` selects (every line when None).
    The engine applies deals before benefits and codes (see `evaluate`); the action itself earns no points.
    """

    type: ClassVar[Literal["discount"]] = "discount"
    percent: Decimal | None = None
    maximum: Decimal | None = None
    amount: Decimal | None = None
    items: ItemSelector | None = None


PointsAction = FixedPoints | RepeatPoints | RatePoints | PercentPoints
Action = FixedPoints | RepeatPoints | RatePoints | PercentPoints | GrantBenefit | TagMember | UntagMember | DealDiscount


def points_word(points: Decimal) -> Message:
    return Message("point") if points == 1 else Message("points")


def _names(selector: ItemSelector) -> Names:
    return Names(tuple(sorted(selector.codes | selector.departments | selector.tags)))


def what_counted(items: ItemSelector | None, exclude: ItemSelector | None) -> Value:
    """What a repeat action counts: "drinks", "items except alcohol"."""
    what: Value = _names(items) if items is not None else Message("items")
    return msg("{what} except {exclude}", what=what, exclude=_names(exclude)) if exclude is not None else what


def earned_on(items: ItemSelector | None, exclude: ItemSelector | None) -> Value:
    """ " on dairy", " on everything except alcohol", or nothing for the whole sale."""
    if items is None and exclude is None:
        return ""
    if items is None:
        assert exclude is not None
        return msg(" on everything except {exclude}", exclude=_names(exclude))
    if exclude is None:
        return msg(" on {what}", what=_names(items))
    return msg(" on {what} except {exclude}", what=_names(items), exclude=_names(exclude))
