"""The canonical JSON form of a rule's parts (spec/api.md, "Rules"): every field present, lists sorted, amounts
as strings, times in UTC. `rule.rule_to_dict` puts them together; `parse` reads them back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loyalty.rules.actions import (
    Action,
    DealDiscount,
    FixedPoints,
    GrantBenefit,
    PercentPoints,
    RatePoints,
    RepeatPoints,
    TagMember,
    UntagMember,
)
from loyalty.rules.conditions import Conditions
from loyalty.rules.fields import plain, selector_to_dict
from loyalty.rules.limits import Limits
from loyalty.rules.selectors import WEEKDAYS

__all__ = ["action_to_dict", "conditions_to_dict", "limits_to_dict", "moment_text"]


def limits_to_dict(limits: Limits) -> dict[str, object]:
    return {"per_member": limits.per_member, "period": limits.period}


def moment_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def conditions_to_dict(conditions: Conditions) -> dict[str, object]:
    c = conditions
    out: dict[str, object] = {}
    if c.min_spend is not None:
        out["min_spend"] = str(c.min_spend)
    if c.contains is not None:
        contains = selector_to_dict(c.contains.items)
        if c.contains.min_quantity is not None:
            contains["min_quantity"] = plain(c.contains.min_quantity)
        out["contains"] = contains
    if c.branches is not None:
        out["branches"] = sorted(c.branches)
    if c.weekdays is not None:
        out["weekdays"] = [WEEKDAYS[day] for day in sorted(c.weekdays)]
    if c.time_from is not None:
        out["time_from"] = f"{c.time_from:%H:%M}"
    if c.time_until is not None:
        out["time_until"] = f"{c.time_until:%H:%M}"
    if c.member_tags is not None:
        out["member_tags"] = sorted(c.member_tags)
    if c.lifetime_points_at_least is not None:
        out["lifetime_points_at_least"] = plain(c.lifetime_points_at_least)
    if c.code is not None:
        out["code"] = c.code
    if c.event is not None:
        out["event"] = c.event
    if c.member_tiers is not None:
        out["member_tiers"] = sorted(c.member_tiers)
    return out


def action_to_dict(action: Action) -> dict[str, object]:
    if isinstance(action, GrantBenefit):
        return {"type": action.type, "benefit_id": action.benefit_id}
    if isinstance(action, (TagMember, UntagMember)):
        return {"type": action.type, "tag": action.tag}
    if isinstance(action, DealDiscount):
        return _deal_to_dict(action)
    out: dict[str, object] = {"type": action.type, "mode": action.mode}
    if isinstance(action, FixedPoints):
        out["points"] = plain(action.points)
        return out
    if isinstance(action, RepeatPoints):
        out.update(points=plain(action.points), every=plain(action.every))
    elif isinstance(action, RatePoints):
        out.update(points=plain(action.points), per=format(action.per, "f"))
    else:
        out["percent"] = plain(action.percent)
    if action.items is not None:
        out["items"] = selector_to_dict(action.items)
    if action.exclude_items is not None:
        out["exclude_items"] = selector_to_dict(action.exclude_items)
    if isinstance(action, (RatePoints, PercentPoints)) and action.exclude_mops:
        out["exclude_mops"] = sorted(action.exclude_mops)
    return out


def _deal_to_dict(action: DealDiscount) -> dict[str, object]:
    if action.percent is not None:
        discount: dict[str, str] = {"percent": plain(action.percent)}
        if action.maximum is not None:
            discount["max"] = format(action.maximum, "f")
    else:
        discount = {"amount": format(action.amount, "f")}
    out: dict[str, object] = {"type": action.type, "discount": discount}
    if action.items is not None:
        out["items"] = selector_to_dict(action.items)
    return out
