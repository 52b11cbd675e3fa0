"""A rule of the Campaign Center, validated: build it with `parse_rule`, never by hand from request data;
`rule_to_dict` writes its canonical JSON form."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Final, Literal

from loyalty.rules.actions import Action, DealDiscount
from loyalty.rules.canonical import action_to_dict, conditions_to_dict, limits_to_dict, moment_text
from loyalty.rules.conditions import Conditions
from loyalty.rules.facts import TriggerKind
from loyalty.rules.limits import Limits
from loyalty.rules.outcome import FiredRule
from loyalty.rules.written import Translations

__all__ = ["STATUSES", "Rule", "Status", "rule_to_dict"]

Status = Literal["draft", "active", "stopped"]
STATUSES: Final[tuple[Status, ...]] = ("draft", "active", "stopped")


@dataclass(frozen=True)
class Rule:
    """One revision of a rule. `id` and `revision` are given by the shell that stores it (None while unsaved).

    Only `active` rules fire, and only inside [`valid_from`, `valid_until`).
    """

    name: str
    trigger: TriggerKind
    actions: tuple[Action, ...]
    status: Status = "draft"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    conditions: Conditions = field(default_factory=Conditions)
    limits: Limits | None = None
    id: str | None = None
    revision: int | None = None
    names: Translations = ()  # the name per language, given by the shell (not part of a revision)

    def is_live(self, at: datetime) -> bool:
        """Active and inside its validity window at `at`."""
        return (
            self.status == "active"
            and (self.valid_from is None or self.valid_from <= at)
            and (self.valid_until is None or at < self.valid_until)
        )

    @cached_property
    def order_key(self) -> tuple[str, int, str]:
        """Rules are evaluated by id, then revision; unsaved ones (no id) by their canonical form: never by
        list order."""
        canonical = "" if self.id is not None else json.dumps(rule_to_dict(self), sort_keys=True)
        return (self.id or "", self.revision or 0, canonical)

    # Worked out once per rule, not per evaluation (a rule never changes; each is cached on first use).

    @cached_property
    def deals(self) -> tuple[DealDiscount, ...]:
        """The rule's `discount` actions, in order: most rules have none."""
        return tuple(action for action in self.actions if isinstance(action, DealDiscount))

    @cached_property
    def unconditional(self) -> bool:
        """Active at any time, without conditions or limits, and not a lifetime threshold: nothing but what its
        actions earn can keep it from firing."""
        return (
            self.status == "active"
            and self.valid_from is None
            and self.valid_until is None
            and self.limits is None
            and self.trigger != "lifetime_points"
            and not self.conditions.checks
        )

    @cached_property
    def fired_record(self) -> FiredRule:
        """What `Outcome.fired` lists when this revision fires."""
        return FiredRule(self.id, self.revision, self.name)


def rule_to_dict(rule: Rule) -> dict[str, object]:
    """The canonical JSON form: every field present, lists sorted, amounts as strings, times in UTC."""
    data: dict[str, object] = {}
    if rule.id is not None:
        data["id"] = rule.id
    if rule.revision is not None:
        data["revision"] = rule.revision
    data.update(
        name=rule.name,
        trigger=rule.trigger,
        status=rule.status,
        valid_from=moment_text(rule.valid_from),
        valid_until=moment_text(rule.valid_until),
        conditions=conditions_to_dict(rule.conditions),
        limits=None if rule.limits is None else limits_to_dict(rule.limits),
        actions=[action_to_dict(action) for action in rule.actions],
    )
    return data
