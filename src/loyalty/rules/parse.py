"""Rules in from their JSON form (spec/api.md, "Rules"): `parse_rule` validates. `rule_to_dict` (written next to
the Rule, which needs it for its order, and importable from here) gives the canonical form used for export and
stored revisions. `parse_rule(rule_to_dict(rule)) == rule`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from decimal import Decimal
from typing import Final, TypeVar, cast

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
from loyalty.rules.conditions import Conditions, Contains
from loyalty.rules.facts import TRIGGERS, TriggerKind
from loyalty.rules.fields import (
    HH_MM,
    LIST_MAX,
    FieldInvalid,
    amount_field,
    no_unknown_fields,
    object_field,
    path,
    points_field,
    positive_int_field,
    quantity_field,
    selector_field,
    text_field,
    texts_field,
)
from loyalty.rules.limits import PERIODS, Limits, Period
from loyalty.rules.rule import STATUSES, Rule, Status, rule_to_dict
from loyalty.rules.selectors import WEEKDAYS, ItemSelector

__all__ = ["RuleInvalid", "parse_rule", "rule_to_dict"]

T = TypeVar("T")

ACTIONS_MAX: Final = 20  # as the published schema says
PER_MEMBER_MAX: Final = 1_000_000

RULE_FIELDS: Final = (
    "name", "trigger", "status", "valid_from", "valid_until", "conditions", "limits", "actions",
    "id", "revision",
)  # fmt: skip
CONDITION_FIELDS: Final = (
    "min_spend", "contains", "branches", "weekdays", "time_from", "time_until", "member_tags",
    "lifetime_points_at_least", "code", "event", "member_tiers",
)  # fmt: skip
PURCHASE_ONLY_CONDITIONS: Final = ("min_spend", "contains")
ACTION_TYPES: Final = ("add_points", "grant_benefit", "tag_member", "untag_member", "discount")
MODES: Final = ("fixed", "repeat", "rate", "percent")
MODE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "fixed": ("type", "mode", "points"),
    "repeat": ("type", "mode", "points", "every", "items", "exclude_items"),
    "rate": ("type", "mode", "points", "per", "items", "exclude_items", "exclude_mops"),
    "percent": ("type", "mode", "percent", "items", "exclude_items", "exclude_mops"),
}
# What each trigger needs in its conditions.
REQUIRED_CONDITION: Final[dict[str, str]] = {
    "lifetime_points": "lifetime_points_at_least",
    "code_used": "code",
    "event": "event",
}


class RuleInvalid(FieldInvalid):
    """The rule cannot be accepted: `field` names the offending field (`actions.0.per`), `message` says what
    is allowed."""


def parse_rule(
    data: Mapping[str, object],
    *,
    id: str | None = None,
    revision: int | None = None,
    currency_exponent: int = 2,
) -> Rule:
    """Validate a rule in the JSON format of the spec and build it. Raises RuleInvalid naming the first bad
    field.

    `id` and `revision` (given by the shell) win over those in `data`; `currency_exponent` bounds money
    decimals.
    """
    try:
        return _rule(data, id, revision, currency_exponent)
    except RuleInvalid:
        raise
    except FieldInvalid as error:
        raise RuleInvalid(error.field, error.message) from None


def _rule(data: Mapping[str, object], id: str | None, revision: int | None, exponent: int) -> Rule:
    body = object_field(data, "")
    no_unknown_fields(body, RULE_FIELDS, "", "a rule")
    name = text_field(body.get("name"), "name", "a non-empty name")
    trigger = _choice(body.get("trigger"), "trigger", TRIGGERS, required=True)
    status = _choice(body.get("status"), "status", STATUSES, required=False) or "draft"
    valid_from = _moment(body.get("valid_from"), "valid_from")
    valid_until = _moment(body.get("valid_until"), "valid_until")
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise FieldInvalid("valid_until", "must be later than valid_from")
    conditions = _conditions(body.get("conditions"), cast(TriggerKind, trigger), exponent)
    limits = _limits(body.get("limits"))
    actions = _actions(body.get("actions"), cast(TriggerKind, trigger), exponent)
    if id is None and body.get("id") is not None:
        id = text_field(body.get("id"), "id", "a rule id")
    if revision is None and body.get("revision") is not None:
        revision = positive_int_field(body.get("revision"), "revision", "a revision number, 1 or more")
    return Rule(
        name=name,
        trigger=cast(TriggerKind, trigger),
        status=cast(Status, status),
        valid_from=valid_from,
        valid_until=valid_until,
        conditions=conditions,
        limits=limits,
        actions=actions,
        id=id,
        revision=revision,
    )


def _choice(value: object, where: str, allowed: tuple[str, ...], *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or value not in allowed:
        shown = "missing" if value is None else repr(value)
        raise FieldInvalid(where, f"must be one of {', '.join(allowed)}, not {shown}")
    return value


def _moment(value: object, where: str) -> datetime | None:
    expected = 'a time with an offset like "2024-06-01T00:00:00+02:00", or null'
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldInvalid(where, f"must be {expected}") from None
    else:
        raise FieldInvalid(where, f"must be {expected}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FieldInvalid(where, f"must be {expected}; this one has no offset")
    return moment


def _conditions(value: object, trigger: TriggerKind, exponent: int) -> Conditions:
    data = object_field(value if value is not None else {}, "conditions")
    no_unknown_fields(data, CONDITION_FIELDS, "conditions", "conditions")
    given = {key for key, item in data.items() if item is not None}
    required = REQUIRED_CONDITION.get(trigger)
    if required is not None and required not in given:
        raise FieldInvalid(f"conditions.{required}", f"is required for the {trigger} trigger")
    for key in ("code", "event"):
        if key in given and REQUIRED_CONDITION.get(trigger) != key:
            owner = "code_used" if key == "code" else "event"
            raise FieldInvalid(f"conditions.{key}", f"only applies to the {owner} trigger, not {trigger}")
    if trigger != "purchase":
        for key in PURCHASE_ONLY_CONDITIONS:
            if key in given:
                raise FieldInvalid(f"conditions.{key}", f"needs a purchase; the {trigger} trigger has none")

    def read(key: str, reader: Callable[[object, str], T]) -> T | None:
        value = data.get(key)
        return None if value is None else reader(value, f"conditions.{key}")

    time_from = read("time_from", _clock)
    time_until = read("time_until", _clock)
    if time_from is not None and time_from == time_until:
        raise FieldInvalid("conditions.time_until", "must differ from time_from")
    return Conditions(
        min_spend=read("min_spend", lambda value, where: amount_field(value, where, exponent=exponent)),
        contains=read("contains", _contains),
        branches=read("branches", lambda value, where: texts_field(value, where, "branch ids")),
        weekdays=read("weekdays", _weekdays),
        time_from=time_from,
        time_until=time_until,
        member_tags=read("member_tags", lambda value, where: texts_field(value, where, "tags")),
        lifetime_points_at_least=read("lifetime_points_at_least", points_field),
        code=read("code", lambda value, where: text_field(value, where, "a promo code")),
        event=read("event", lambda value, where: text_field(value, where, "an event name")),
        member_tiers=read("member_tiers", lambda value, where: texts_field(value, where, "tier names")),
    )


def _contains(value: object, where: str) -> Contains:
    selector = selector_field(value, where, extra=("min_quantity",))
    raw = object_field(value, where).get("min_quantity")
    if raw is None:
        return Contains(items=selector)
    expected = 'a positive quantity like "2"'
    minimum = quantity_field(raw, f"{where}.min_quantity", positive=True, expected=expected)
    return Contains(items=selector, min_quantity=minimum)


def _weekdays(value: object, where: str) -> frozenset[int]:
    expected = f"a non-empty list of days among {', '.join(WEEKDAYS)}"
    if not isinstance(value, list) or not value or len(value) > len(WEEKDAYS):
        raise FieldInvalid(where, f"must be {expected}")
    days: set[int] = set()
    for index, day in enumerate(value):
        name = day.strip().lower() if isinstance(day, str) else None
        if name not in WEEKDAYS:
            days_allowed = ", ".join(WEEKDAYS)
            raise FieldInvalid(f"{where}.{index}", f"must be one of {days_allowed}, not {day!r}")
        days.add(WEEKDAYS.index(name))
    return frozenset(days)


def _clock(value: object, where: str) -> time:
    match = HH_MM.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise FieldInvalid(where, 'must be a time of day like "09:30" (HH:MM, 24-hour)')
    return time(int(match.group(1)), int(match.group(2)))


def _limits(value: object) -> Limits | None:
    if value is None:
        return None
    data = object_field(value, "limits")
    no_unknown_fields(data, ("per_member", "period"), "limits", "limits")
    if data.get("per_member") is None:
        raise FieldInvalid("limits.per_member", "is required: how many times per period a member gets it")
    per_member = positive_int_field(data["per_member"], "limits.per_member", "a whole number of times, 1+")
    if per_member > PER_MEMBER_MAX:
        raise FieldInvalid("limits.per_member", f"must be at most {PER_MEMBER_MAX:,}")
    period = _choice(data.get("period"), "limits.period", PERIODS, required=False) or "ever"
    return Limits(per_member=per_member, period=cast(Period, period))


def _actions(value: object, trigger: TriggerKind, exponent: int) -> tuple[Action, ...]:
    if not isinstance(value, list) or not value:
        raise FieldInvalid("actions", "must be a non-empty list of actions")
    if len(value) > ACTIONS_MAX:
        raise FieldInvalid("actions", f"must list at most {ACTIONS_MAX} actions")
    return tuple(_action(item, f"actions.{index}", trigger, exponent) for index, item in enumerate(value))


def _action(value: object, where: str, trigger: TriggerKind, exponent: int) -> Action:
    data = object_field(value, where)
    kind = _choice(data.get("type"), path(where, "type"), ACTION_TYPES, required=True)
    if kind == "grant_benefit":
        no_unknown_fields(data, ("type", "benefit_id"), where, "a grant_benefit action")
        return GrantBenefit(text_field(data.get("benefit_id"), path(where, "benefit_id"), "a benefit id"))
    if kind == "discount":
        return _deal(data, where, trigger, exponent)
    if kind in ("tag_member", "untag_member"):
        no_unknown_fields(data, ("type", "tag"), where, f"a {kind} action")
        tag = text_field(data.get("tag"), path(where, "tag"), "a non-empty tag")
        return TagMember(tag) if kind == "tag_member" else UntagMember(tag)
    mode = _choice(data.get("mode"), path(where, "mode"), MODES, required=True)
    assert mode is not None
    if mode != "fixed" and trigger != "purchase":
        message = f"must be fixed for the {trigger} trigger: {mode} counts a purchase"
        raise FieldInvalid(path(where, "mode"), message)
    if data.get("exclude_mops") is not None and mode in ("fixed", "repeat"):
        raise FieldInvalid(
            path(where, "exclude_mops"),
            f"only applies to rate and percent actions: a {mode} action does not count money",
        )
    no_unknown_fields(data, MODE_FIELDS[mode], where, f"a {mode} action")

    def field(name: str) -> object:
        return data.get(name)

    def required(name: str) -> object:
        if data.get(name) is None:
            raise FieldInvalid(path(where, name), f"is required for a {mode} action")
        return data[name]

    if mode == "fixed":
        return FixedPoints(points_field(required("points"), path(where, "points")))
    items = _optional_selector(field("items"), path(where, "items"))
    exclude = _optional_selector(field("exclude_items"), path(where, "exclude_items"))
    if mode == "repeat":
        every = field("every")
        return RepeatPoints(
            points=points_field(required("points"), path(where, "points")),
            every=Decimal(1)
            if every is None
            else quantity_field(
                every,
                path(where, "every"),
                positive=True,
                expected='a positive quantity like "1"',
            ),
            items=items,
            exclude_items=exclude,
        )
    mops = _mops(field("exclude_mops"), path(where, "exclude_mops"))
    if mode == "rate":
        return RatePoints(
            points=points_field(required("points"), path(where, "points")),
            per=amount_field(required("per"), path(where, "per"), exponent=exponent, positive=True),
            items=items,
            exclude_items=exclude,
            exclude_mops=mops,
        )
    return PercentPoints(
        percent=quantity_field(
            required("percent"),
            path(where, "percent"),
            positive=False,
            expected='a percentage like "10", zero or more',
        ),
        items=items,
        exclude_items=exclude,
        exclude_mops=mops,
    )


def _deal(data: Mapping[str, object], where: str, trigger: TriggerKind, exponent: int) -> DealDiscount:
    """A deal: `{"type": "discount", "discount": {"percent", "max"} | {"amount"}, "items"}`, on purchases only."""
    no_unknown_fields(data, ("type", "discount", "items"), where, "a discount action")
    if trigger != "purchase":
        raise FieldInvalid(path(where, "type"), f"a discount needs a purchase; the {trigger} trigger has none")
    here = path(where, "discount")
    if data.get("discount") is None:
        raise FieldInvalid(here, 'is required: {"percent": "10", "max": "5.00"} or {"amount": "2.00"}')
    discount = object_field(data.get("discount"), here)
    no_unknown_fields(discount, ("percent", "max", "amount"), here, "a discount")
    has_percent, has_amount = discount.get("percent") is not None, discount.get("amount") is not None
    if has_percent == has_amount:
        raise FieldInvalid(here, 'must have either "percent" (with an optional "max") or "amount"')
    items = _optional_selector(data.get("items"), path(where, "items"))
    if has_amount:
        if discount.get("max") is not None:
            raise FieldInvalid(path(here, "max"), 'only applies with "percent"')
        amount = amount_field(discount["amount"], path(here, "amount"), exponent=exponent, positive=True)
        return DealDiscount(amount=amount, items=items)
    expected = 'a percentage like "10", above 0'
    percent = quantity_field(discount["percent"], path(here, "percent"), positive=True, expected=expected)
    if percent > 100:
        raise FieldInvalid(path(here, "percent"), "must be at most 100")
    maximum = (
        None
        if discount.get("max") is None
        else amount_field(discount["max"], path(here, "max"), exponent=exponent, positive=True)
    )
    return DealDiscount(percent=percent, maximum=maximum, items=items)


def _optional_selector(value: object, where: str) -> ItemSelector | None:
    return None if value is None else selector_field(value, where)


def _mops(value: object, where: str) -> frozenset[str]:
    """A list of MOP names or one comma-separated string; spaces around names are trimmed, case is kept."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        names = value.split(",")
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = cast(list[str], value)
    else:
        raise FieldInvalid(
            where, 'must be a list of means of payment like ["points"] or one string like "points, voucher"'
        )
    if len(names) > LIST_MAX:
        raise FieldInvalid(where, f"must name at most {LIST_MAX} means of payment")
    return frozenset(name.strip() for name in names if name.strip())
