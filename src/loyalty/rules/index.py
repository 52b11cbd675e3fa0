"""Active rules, sorted and indexed by what they can match, so a basket meets only the rules that could fire.

A purchase rule is filed under the codes, departments and tags it needs to see in the sale: those of
`conditions.contains` when it has one (no matching line, no firing), else, when every action is a repeat, rate
or percent action with `items`, the union of those items (no matching line, no points, and a rule that earns
nothing has not fired). Every other purchase rule (a fixed bonus, a benefit, a tag, an action on the whole
sale) is filed under "everything". Other triggers are filed by promo code, event name, or lifetime threshold.

The index only narrows the candidates: `evaluate` applies the same checks to them as to a plain list, so the
outcome is the same either way (a property test holds it to that).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from decimal import Decimal

from loyalty.rules.actions import DealDiscount, PercentPoints, RatePoints, RepeatPoints
from loyalty.rules.facts import TRIGGERS, Trigger, TriggerKind
from loyalty.rules.rule import Rule
from loyalty.rules.selectors import ItemSelector, LineKey
from loyalty.rules.situation import Basket

__all__ = ["RuleIndex", "evaluation_order"]


def evaluation_order(rules: Iterable[Rule]) -> list[Rule]:
    """Rules in the order evaluate walks them: by id, then revision; never by edit or list order."""
    return sorted(rules, key=lambda rule: rule.order_key)


class RuleIndex:
    """Built once per business and rule version (the shell caches it); read-only afterwards, safe to share."""

    __slots__ = (
        "_by_code_used",
        "_by_event",
        "_by_key",
        "_by_trigger",
        "_everything",
        "_thresholds",
        "asks_tier",
        "counted_rule_ids",
        "rules",
    )

    def __init__(self, rules: Iterable[Rule]) -> None:
        # Every rule, in evaluation order; `explain` walks them all, the buckets hold only active ones.
        self.rules: tuple[Rule, ...] = tuple(evaluation_order(rules))
        self._by_trigger: dict[TriggerKind, list[int]] = {kind: [] for kind in TRIGGERS}
        self._by_key: dict[LineKey, list[int]] = {}  # purchase rules by the code, department or tag they need
        self._everything: list[int] = []
        self._by_code_used: dict[str, list[int]] = {}
        self._by_event: dict[str, list[int]] = {}
        self._thresholds: list[tuple[Decimal, int]] = []
        for position, rule in enumerate(self.rules):
            if rule.status == "active":
                self._file(position, rule)
        self._thresholds.sort()
        # What the shell reads about a member before each evaluation, worked out once: the rules whose firings it
        # counts (limits, lifetime thresholds), and whether any rule asks for the member's tier.
        self.counted_rule_ids: tuple[str, ...] = tuple(
            rule.id for rule in self.rules if rule.id and (rule.limits or rule.trigger == "lifetime_points")
        )
        self.asks_tier: bool = any(rule.conditions.member_tiers for rule in self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def _file(self, position: int, rule: Rule) -> None:
        self._by_trigger[rule.trigger].append(position)
        conditions = rule.conditions
        # A hand-built rule without its code or event is filed under "" and meets every code or event.
        if rule.trigger == "code_used":
            self._by_code_used.setdefault((conditions.code or "").casefold(), []).append(position)
        elif rule.trigger == "event":
            self._by_event.setdefault(conditions.event or "", []).append(position)
        elif rule.trigger == "lifetime_points":
            self._thresholds.append((conditions.lifetime_points_at_least or Decimal(0), position))
        elif rule.trigger == "purchase":
            selectors = _needed_selectors(rule)
            if selectors is None:
                self._everything.append(position)
            for selector in selectors or ():
                for key in selector.keys:
                    self._by_key.setdefault(key, []).append(position)

    def candidates(self, trigger: Trigger, basket: Basket | None, lifetime_points: Decimal) -> list[Rule]:
        """The active rules of `trigger` that could fire, in evaluation order."""
        kind = trigger.kind
        if kind == "purchase" and basket is not None:
            found = set(self._everything)
            by_key = self._by_key
            for key in basket.keys:
                positions = by_key.get(key)
                if positions is not None:
                    found.update(positions)
            rules = self.rules
            return [rules[position] for position in sorted(found)]
        if kind == "code_used":
            positions = _merged(self._by_code_used, (trigger.code or "").casefold())
        elif kind == "event":
            positions = _merged(self._by_event, trigger.event or "")
        elif kind == "lifetime_points":
            # Thresholds crossed: before < threshold <= now (every one up to now when `before` is unknown).
            high = bisect.bisect_right(self._thresholds, (lifetime_points, len(self.rules)))
            low = 0
            if trigger.lifetime_before is not None:
                low = bisect.bisect_right(self._thresholds, (trigger.lifetime_before, len(self.rules)))
            positions = sorted(position for _, position in self._thresholds[low:high])
        else:
            positions = self._by_trigger[kind]
        return [self.rules[position] for position in positions]


def _merged(bucket: dict[str, list[int]], key: str) -> list[int]:
    return sorted(set(bucket.get(key, ())) | set(bucket.get("", ())))


def _needed_selectors(rule: Rule) -> tuple[ItemSelector, ...] | None:
    """The selectors of which one must match a line for the rule to fire; None when any sale may do."""
    if rule.conditions.contains is not None:
        return (rule.conditions.contains.items,)
    selectors: list[ItemSelector] = []
    for action in rule.actions:
        if not isinstance(action, (RepeatPoints, RatePoints, PercentPoints, DealDiscount)) or action.items is None:
            return None
        selectors.append(action.items)
    return tuple(selectors)
