"""Rule conditions: when a rule may fire at all, and why not, as a message for the Campaign Center."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from functools import lru_cache
from typing import Final

from loyalty.rules.message import Amount, Message, Names, Number, Points, Weekdays, msg
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.selectors import ItemSelector
from loyalty.rules.situation import Situation

__all__ = ["Conditions", "Contains", "unmet_condition", "unmet_on_basket"]


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
    # Worked out once: `member_tags` and `member_tiers` as they are compared (`names.name_key`), and the checks
    # of the conditions that are set, in the order `unmet_condition` tries them.
    member_tag_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    member_tier_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    checks: tuple[Check, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "member_tag_keys", name_keys(self.member_tags or ()))
        object.__setattr__(self, "member_tier_keys", name_keys(self.member_tiers or ()))
        checks = dict.fromkeys(check for name, check in _CHECKS if getattr(self, name) is not None)
        object.__setattr__(self, "checks", tuple(checks))


def unmet_condition(conditions: Conditions, situation: Situation) -> Message | None:
    """None when every condition holds, else why not, as a message for the Campaign Center."""
    for check in conditions.checks:
        reason = check(conditions, situation)
        if reason is not None:
            return reason
    return None


def unmet_on_basket(conditions: Conditions, situation: Situation) -> Message | None:
    """Why the conditions on the sale itself (`min_spend`, `contains`) no longer hold, or None: what a return
    rechecks on what is left of a sale (the member, the clock and the branch were as they were)."""
    for name, check in (("min_spend", _min_spend), ("contains", _contains)):
        if getattr(conditions, name) is not None:
            reason = check(conditions, situation)
            if reason is not None:
                return reason
    return None


def _member_tags(c: Conditions, situation: Situation) -> Message | None:
    if c.member_tag_keys.isdisjoint(situation.member_tag_keys):
        return msg("only for members tagged {tags}", tags=_names(c.member_tags or ()))
    return None


def _member_tiers(c: Conditions, situation: Situation) -> Message | None:
    tier = situation.member.tier
    if tier is None or name_key(tier) not in c.member_tier_keys:
        held = msg("the member is {tier}", tier=tier) if tier else Message("the member has no tier")
        return msg("only for members in tier {tiers} ({held})", tiers=_names(c.member_tiers or ()), held=held)
    return None


def _weekdays(c: Conditions, situation: Situation) -> Message | None:
    weekdays = c.weekdays or frozenset()
    if situation.local_time.weekday() not in weekdays:
        return _only_on(weekdays)
    return None


@lru_cache(maxsize=256)
def _only_on(weekdays: frozenset[int]) -> Message:
    """The reason naming the days ("only on mon, wed, fri"), made once per set of days: a rule for some days
    is looked at, and turned down, on all the others."""
    return msg("only on {days}", days=Weekdays(tuple(sorted(weekdays))))


def _time_window(c: Conditions, situation: Situation) -> Message | None:
    local = situation.local_time
    if not _in_window(local.time(), c.time_from, c.time_until):
        window = _describe_window(c.time_from, c.time_until)
        return msg("only {window} (it is {time})", window=window, time=f"{local:%H:%M}")
    return None


def _branches(c: Conditions, situation: Situation) -> Message | None:
    branches = c.branches or frozenset()
    if situation.branch_id not in branches:
        return msg("only at branch {branches}", branches=_names(branches))
    return None


def _lifetime_points(c: Conditions, situation: Situation) -> Message | None:
    member = situation.member
    needed = c.lifetime_points_at_least
    if needed is not None and member.lifetime_points < needed:
        return msg(
            "needs {points} lifetime points (the member has {held})",
            points=Points(needed, 2),
            held=Points(member.lifetime_points, 2),
        )
    return None


def _code(c: Conditions, situation: Situation) -> Message | None:
    used = situation.trigger.code
    if c.code is not None and (used is None or used.casefold() != c.code.casefold()):
        return msg("only when code {code} is used", code=c.code)
    return None


def _event(c: Conditions, situation: Situation) -> Message | None:
    if situation.trigger.event != c.event:
        return msg("only on the event {event}", event=c.event or "")
    return None


def _min_spend(c: Conditions, situation: Situation) -> Message | None:
    basket = situation.basket
    if basket is not None and c.min_spend is not None and basket.total < c.min_spend:
        exponent = situation.context.currency_exponent
        return msg(
            "needs a purchase of at least {minimum} (this one is {total})",
            minimum=Amount(c.min_spend, exponent),
            total=Amount(basket.total, exponent),
        )
    return None


def _contains(c: Conditions, situation: Situation) -> Message | None:
    basket, contains = situation.basket, c.contains
    if basket is None or contains is None:
        return None
    matching = basket.matching(contains.items)
    items = contains.items
    if not matching:
        return msg("needs {items} in the sale", items=_names(items.codes | items.departments | items.tags))
    quantity = sum((basket.lines[index].quantity for index in matching), Decimal(0))
    if contains.min_quantity is not None and quantity < contains.min_quantity:
        return msg(
            "needs at least {minimum} of {items} (this sale has {quantity})",
            minimum=Number(contains.min_quantity),
            items=_names(items.codes | items.departments | items.tags),
            quantity=Number(quantity),
        )
    return None


def _names(names: frozenset[str] | set[str] | tuple[str, ...]) -> Names:
    return Names(tuple(sorted(names)))


Check = Callable[[Conditions, "Situation"], Message | None]
# Each condition's check, in the order they are tried (the first unmet one is the reason given), by the field
# that sets it. The window is checked once, under whichever of its ends comes first.
_CHECKS: Final[tuple[tuple[str, Check], ...]] = (
    ("member_tags", _member_tags),
    ("member_tiers", _member_tiers),
    ("weekdays", _weekdays),
    ("time_from", _time_window),
    ("time_until", _time_window),
    ("branches", _branches),
    ("lifetime_points_at_least", _lifetime_points),
    ("code", _code),
    ("event", _event),
    ("min_spend", _min_spend),
    ("contains", _contains),
)


def _in_window(now: time, start: time | None, end: time | None) -> bool:
    if start is None:
        return end is None or now < end
    if end is None:
        return now >= start
    if start < end:
        return start <= now < end
    return now >= start or now < end  # across midnight


def _describe_window(start: time | None, end: time | None) -> Message:
    if start is None:
        return msg("before {end}", end=f"{end:%H:%M}")
    if end is None:
        return msg("from {start}", start=f"{start:%H:%M}")
    return msg("from {start} to {end}", start=f"{start:%H:%M}", end=f"{end:%H:%M}")
