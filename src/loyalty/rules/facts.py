"""The world as the engine sees it: a purchase, the member, what triggered the evaluation, the settings.

All facts are frozen: the engine reads them and never changes them. Amounts are Decimals (`loyalty.money.D`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_FLOOR, Decimal
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "TRIGGERS",
    "Context",
    "Line",
    "Member",
    "Payment",
    "Purchase",
    "Trigger",
    "TriggerKind",
]

TriggerKind = Literal["purchase", "joined", "lifetime_points", "code_used", "event"]
TRIGGERS: Final[tuple[TriggerKind, ...]] = ("purchase", "joined", "lifetime_points", "code_used", "event")


def _require_decimal(owner: str, name: str, value: object, *, allow_negative: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{owner}.{name} must be a finite Decimal, not {value!r}")
    if not allow_negative and value < 0:
        raise ValueError(f"{owner}.{name} must not be negative, not {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One line of a sale. `amount` is the line total after the POS's own discounts; `quantity` may be a
    weight."""

    line_id: str
    code: str
    amount: Decimal
    quantity: Decimal = Decimal(1)
    name: str = ""
    department: str | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_decimal("Line", "amount", self.amount)
        _require_decimal("Line", "quantity", self.quantity)
        if isinstance(self.tags, str):
            raise TypeError("Line.tags must be a tuple of tags, not a string")
        if not isinstance(self.tags, tuple):
            object.__setattr__(self, "tags", tuple(self.tags))


@dataclass(frozen=True, slots=True, kw_only=True)
class Payment:
    """A reported payment: the means of payment (MOP) exactly as the POS names it, and the amount."""

    mop: str
    amount: Decimal

    def __post_init__(self) -> None:
        _require_decimal("Payment", "amount", self.amount)


@dataclass(frozen=True, slots=True, kw_only=True)
class Purchase:
    """A sale: its lines (unique `line_id`s), the payments the POS reported, and the branch it happened at."""

    transaction_id: str
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...] = ()
    branch_id: str | None = None

    def __post_init__(self) -> None:
        # Lists are accepted and kept as tuples, so a purchase stays immutable and hashable.
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))
        if not isinstance(self.payments, tuple):
            object.__setattr__(self, "payments", tuple(self.payments))
        line_ids = [line.line_id for line in self.lines]
        if len(set(line_ids)) != len(line_ids):
            raise ValueError(f"purchase {self.transaction_id} repeats a line_id")

    @property
    def total(self) -> Decimal:
        """The sum of the line amounts, before loyalty discounts."""
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """The member as the engine needs them.

    `lifetime_points` is the member's lifetime earned points as they stand when the trigger happens (for the
    `lifetime_points` trigger: after the points that made them cross). `rule_uses` maps a rule id to the times
    that rule fired for this member before (any revision); limits are counted from it.
    """

    id: str
    tags: frozenset[str] = frozenset()
    lifetime_points: Decimal = Decimal(0)
    rule_uses: Mapping[str, tuple[datetime, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Punches on the member's open card, by punch card id (a card not listed has none yet).
    punches: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    tier: str | None = None  # the tier the member holds when the trigger happens

    def __post_init__(self) -> None:
        _require_decimal("Member", "lifetime_points", self.lifetime_points)
        if not isinstance(self.tags, frozenset):
            object.__setattr__(self, "tags", frozenset(self.tags))


@dataclass(frozen=True, slots=True, kw_only=True)
class Trigger:
    """What happened. Build it with one of the class methods.

    `code` is the promo code used (`code_used`), `event` the custom event's name (`event`), `lifetime_before`
    the lifetime points before the change that may cross thresholds (`lifetime_points`; None = unknown, then
    every threshold at or below the member's lifetime points counts), `branch_id` where it happened when there
    is no purchase to say so.
    """

    kind: TriggerKind = "purchase"
    code: str | None = None
    event: str | None = None
    lifetime_before: Decimal | None = None
    branch_id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TRIGGERS:
            raise ValueError(f"unknown trigger {self.kind!r}; triggers are {', '.join(TRIGGERS)}")

    @classmethod
    def purchase(cls) -> Trigger:
        return cls(kind="purchase")

    @classmethod
    def joined(cls, *, branch_id: str | None = None) -> Trigger:
        return cls(kind="joined", branch_id=branch_id)

    @classmethod
    def lifetime_points(cls, *, before: Decimal | None = None) -> Trigger:
        return cls(kind="lifetime_points", lifetime_before=before)

    @classmethod
    def code_used(cls, code: str, *, branch_id: str | None = None) -> Trigger:
        return cls(kind="code_used", code=code, branch_id=branch_id)

    @classmethod
    def custom_event(cls, name: str) -> Trigger:
        return cls(kind="event", event=name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """The business settings the engine needs: points precision (0-2), currency decimals, local time zone."""

    points_decimals: int = 2
    currency_exponent: int = 2
    timezone: tzinfo = UTC

    def __post_init__(self) -> None:
        if not 0 <= self.points_decimals <= 2:
            raise ValueError(f"points_decimals must be 0, 1 or 2, not {self.points_decimals}")
        if not 0 <= self.currency_exponent <= 4:
            raise ValueError(f"currency_exponent must be between 0 and 4, not {self.currency_exponent}")


# A discount within this share of a unit's price of a whole number of units makes those units free (cents rounding).
_UNIT_TOLERANCE = Decimal("0.005")


def paid_quantity(line: Line, net: Decimal) -> Decimal:
    """The line's quantity less the units its loyalty discounts made wholly free: a line of 2 coffees at 9.00 with a
    free coffee (4.50 off) is 1 coffee paid; 10% off both is still 2."""
    if line.amount <= 0 or net >= line.amount or line.quantity <= 0:
        return line.quantity
    free = ((line.amount - net) * line.quantity / line.amount + _UNIT_TOLERANCE).to_integral_value(ROUND_FLOOR)
    return max(line.quantity - free, Decimal(0))
