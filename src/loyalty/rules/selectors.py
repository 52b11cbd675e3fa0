"""Item selectors and rule conditions: which lines a rule looks at, and when a rule may fire at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from loyalty.rules.facts import Line
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.wording import format_money, format_number, format_points, join_or

if TYPE_CHECKING:
    from loyalty.rules.situation import Situation

__all__ = ["WEEKDAYS", "Conditions", "Contains", "ItemSelector", "unmet_condition"]

# Python's date.weekday() numbering: mon = 0 ... sun = 6.
WEEKDAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ItemSelector:
    """`{"codes", "departments", "tags"}`: a line matches when its code, its department or one of its tags is
    listed, whatever the case and surrounding spaces (`names.name_key`); the names are kept as written."""

    codes: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    # Worked out once: explanations quote it for every award.
    label: str = field(init=False, repr=False, compare=False)
    # The names as they are compared.
    code_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    department_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    tag_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", join_or(self.codes | self.departments | self.tags))
        object.__setattr__(self, "code_keys", name_keys(self.codes))
        object.__setattr__(self, "department_keys", name_keys(self.departments))
        object.__setattr__(self, "tag_keys", name_keys(self.tags))

    def matches(self, line: Line) -> bool:
        return (
            name_key(line.code) in self.code_keys
            or (line.department is not None and name_key(line.department) in self.department_keys)
            or not self.tag_keys.isdisjoint(name_keys(line.tags))
        )

    def describe(self) -> str:
        """The listed names as a cashier reads them: "dairy", "A or B"."""
        return self.label


@dataclass(frozen=True, slots=True)
class Contains:
    """`conditions.contains`: lines matching `items` are in the sale, at least `min_quantity` if given."""

    items: ItemSelector
    min_quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """All optional; every one that is set must hold. `weekdays` holds `date.weekday()` numbers (mon = 0).

    `time_from`/`time_until` are business local time; `time_from` is inclusive, `time_until` exclusive, and a
    window whose `time_until` is earlier than its `time_from` runs across midnight (22:00 to 02:00).
    """

    min_spend: Decimal | None = None
    contains: Contains | None = None
    branches: frozenset[str] | None = None
    weekdays: frozenset[int] | None = None
    time_from: time | None = None
    time_until: time | None = None
    member_tags: frozenset[str] | None = None
    lifetime_points_at_least: Decimal | None = None
    code: str | None = None
    event: str | None = None
    member_tiers: frozenset[str] | None = None


def _in_tier(tiers: frozenset[str], tier: str | None) -> bool:
    """Tier names match ignoring case and surrounding spaces."""
    return tier is not None and tier.strip().casefold() in {name.strip().casefold() for name in tiers}


def unmet_condition(conditions: Conditions, situation: Situation) -> str | None:
    """None when every condition holds, else why not, in a sentence for the Campaign Center."""
    c = conditions
    member = situation.member
    local = situation.local_time
    if c.member_tags is not None and name_keys(c.member_tags).isdisjoint(name_keys(member.tags)):
        return f"only for members tagged {join_or(c.member_tags)}"
    if c.member_tiers is not None and not _in_tier(c.member_tiers, member.tier):
        held = f"the member is {member.tier}" if member.tier else "the member has no tier"
        return f"only for members in tier {join_or(c.member_tiers)} ({held})"
    if c.weekdays is not None and local.weekday() not in c.weekdays:
        return f"only on {', '.join(WEEKDAYS[day] for day in sorted(c.weekdays))}"
    if (c.time_from is not None or c.time_until is not None) and not _in_window(
        local.time(), c.time_from, c.time_until
    ):
        return f"only {_describe_window(c.time_from, c.time_until)} (it is {local:%H:%M})"
    if c.branches is not None and situation.branch_id not in c.branches:
        return f"only at branch {join_or(c.branches)}"
    if c.lifetime_points_at_least is not None and member.lifetime_points < c.lifetime_points_at_least:
        needed = format_points(c.lifetime_points_at_least, 2)
        return f"needs {needed} lifetime points (the member has {format_points(member.lifetime_points, 2)})"
    if c.code is not None:
        used = situation.trigger.code
        if used is None or used.casefold() != c.code.casefold():
            return f"only when code {c.code} is used"
    if c.event is not None and situation.trigger.event != c.event:
        return f"only on the event {c.event}"
    basket = situation.basket
    if basket is not None:
        exponent = situation.context.currency_exponent
        if c.min_spend is not None and basket.total < c.min_spend:
            return (
                f"needs a purchase of at least {format_money(c.min_spend, exponent)} "
                f"(this one is {format_money(basket.total, exponent)})"
            )
        if c.contains is not None:
            matching = basket.matching(c.contains.items)
            quantity = sum((basket.lines[index].quantity for index in matching), Decimal(0))
            if not matching:
                return f"needs {c.contains.items.describe()} in the sale"
            if c.contains.min_quantity is not None and quantity < c.contains.min_quantity:
                minimum = format_number(c.contains.min_quantity)
                return (
                    f"needs at least {minimum} of {c.contains.items.describe()} "
                    f"(this sale has {format_number(quantity)})"
                )
    return None


def _in_window(now: time, start: time | None, end: time | None) -> bool:
    if start is None:
        return end is None or now < end
    if end is None:
        return now >= start
    if start < end:
        return start <= now < end
    return now >= start or now < end  # across midnight


def _describe_window(start: time | None, end: time | None) -> str:
    if start is None:
        return f"before {end:%H:%M}"
    if end is None:
        return f"from {start:%H:%M}"
    return f"from {start:%H:%M} to {end:%H:%M}"
