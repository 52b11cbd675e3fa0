"""parse_rule: the rule format of the spec, refused with the field named and what is allowed said."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from loyalty.rules import RuleInvalid, parse_rule, rule_to_dict
from loyalty.rules.actions import (
    FixedPoints,
    GrantBenefit,
    PercentPoints,
    RatePoints,
    RepeatPoints,
    TagMember,
)
from loyalty.rules.limits import Limits

SPEC_EXAMPLE = {
    "name": "Dairy: 1 point per 1.00",
    "trigger": "purchase",
    "status": "active",
    "valid_from": None,
    "valid_until": None,
    "conditions": {"min_spend": "20.00"},
    "limits": {"per_member": 1, "period": "day"},
    "actions": [
        {
            "type": "add_points",
            "mode": "rate",
            "points": "1",
            "per": "1.00",
            "items": {"departments": ["dairy"]},
            "exclude_items": {"tags": ["alcohol"]},
            "exclude_mops": ["points"],
        }
    ],
}


def rule(*actions: dict, trigger: str = "purchase", **fields: object) -> dict:
    """A valid rule body with the given actions (a fixed 10 points when none) and top-level fields."""
    body: dict = {"name": "test", "trigger": trigger, "actions": list(actions) or [fixed("10")]}
    body.update(fields)
    return body


def fixed(points: object) -> dict:
    return {"type": "add_points", "mode": "fixed", "points": points}


def rate(**fields: object) -> dict:
    return {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", **fields}


def percent(**fields: object) -> dict:
    return {"type": "add_points", "mode": "percent", "percent": "10", **fields}


def repeat(**fields: object) -> dict:
    return {"type": "add_points", "mode": "repeat", "points": "10", **fields}


def test_the_spec_example_parses_into_a_rate_action_with_its_limits():
    parsed = parse_rule(SPEC_EXAMPLE, id="r-1", revision=2)
    assert (parsed.id, parsed.revision, parsed.status, parsed.trigger) == ("r-1", 2, "active", "purchase")
    assert parsed.conditions.min_spend == Decimal("20.00")
    assert parsed.limits == Limits(per_member=1, period="day")
    (action,) = parsed.actions
    assert isinstance(action, RatePoints)
    assert action.per == Decimal("1.00")
    assert action.items is not None and action.items.departments == frozenset({"dairy"})
    assert action.exclude_items is not None and action.exclude_items.tags == frozenset({"alcohol"})
    assert action.exclude_mops == frozenset({"points"})


def test_a_rule_is_a_draft_unless_said_otherwise():
    assert parse_rule(rule()).status == "draft"


@pytest.mark.parametrize(
    "body",
    [
        SPEC_EXAMPLE,
        rule(
            repeat(every="2", items={"codes": ["COLA", "WATER"]}, exclude_items={"tags": ["promo"]}),
            percent(exclude_mops="points, voucher"),
            {"type": "grant_benefit", "benefit_id": "b-1"},
            {"type": "tag_member", "tag": "VIP"},
            {"type": "untag_member", "tag": "new"},
            valid_from="2024-06-01T00:00:00+02:00",
            valid_until="2024-07-01T00:00:00Z",
            conditions={
                "contains": {"departments": ["dairy"], "min_quantity": "2"},
                "branches": ["b-2", "b-1"],
                "weekdays": ["sat", "mon"],
                "time_from": "22:00",
                "time_until": "02:00",
                "member_tags": ["VIP"],
                "lifetime_points_at_least": "100",
            },
            limits={"per_member": 3, "period": "week"},
        ),
        rule(fixed("50"), trigger="joined"),
        rule(fixed("5"), trigger="code_used", conditions={"code": "SUMMER10"}),
        rule(fixed("5"), trigger="event", conditions={"event": "birthday"}),
        rule(fixed("500"), trigger="lifetime_points", conditions={"lifetime_points_at_least": "1000"}),
    ],
    ids=["spec example", "every field", "joined", "code_used", "event", "lifetime_points"],
)
def test_a_rule_survives_the_round_trip_through_its_canonical_form(body):
    parsed = parse_rule(body, id="r-9", revision=4)
    canonical = rule_to_dict(parsed)
    assert parse_rule(canonical) == parsed
    assert rule_to_dict(parse_rule(canonical)) == canonical


def test_the_canonical_form_writes_amounts_as_strings_and_sorts_lists():
    body = rule(
        percent(percent=Decimal("12.50"), items={"codes": ["B", "A"]}, exclude_mops=" voucher ,points"),
        rate(points=2, per=1),
        conditions={"min_spend": 20, "weekdays": ["sun", "mon"]},
        valid_from="2024-06-01T02:00:00+02:00",
    )
    canonical = rule_to_dict(parse_rule(body))
    assert canonical["conditions"] == {"min_spend": "20.00", "weekdays": ["mon", "sun"]}
    assert canonical["valid_from"] == "2024-06-01T00:00:00+00:00"
    assert canonical["actions"] == [
        {"type": "add_points", "mode": "percent", "percent": "12.5", "items": {"codes": ["A", "B"]},
         "exclude_mops": ["points", "voucher"]},
        {"type": "add_points", "mode": "rate", "points": "2", "per": "1.00"},
    ]  # fmt: skip


def test_exclude_mops_takes_a_list_or_one_comma_separated_string_with_spaces_trimmed():
    from_text = parse_rule(rule(percent(exclude_mops=" points , gift card "))).actions[0]
    from_list = parse_rule(rule(percent(exclude_mops=["points", " gift card"]))).actions[0]
    assert isinstance(from_text, PercentPoints) and isinstance(from_list, PercentPoints)
    assert from_text.exclude_mops == from_list.exclude_mops == frozenset({"points", "gift card"})


def test_exclude_mops_keeps_the_case_the_pos_sends():
    action = parse_rule(rule(percent(exclude_mops="Points"))).actions[0]
    assert isinstance(action, PercentPoints) and action.exclude_mops == frozenset({"Points"})


def test_money_may_arrive_as_a_string_an_int_or_a_decimal():
    for per in ("2.50", 2, Decimal("2.5")):
        action = parse_rule(rule(rate(per=per))).actions[0]
        assert isinstance(action, RatePoints)
        assert str(action.per) in ("2.50", "2.00")


def test_a_currency_without_cents_refuses_cents_and_writes_whole_amounts():
    with pytest.raises(RuleInvalid) as refused:
        parse_rule(rule(rate(per="0.50")), currency_exponent=0)
    assert refused.value.field == "actions.0.per"
    action = parse_rule(rule(rate(per="100")), currency_exponent=0).actions[0]
    assert isinstance(action, RatePoints) and str(action.per) == "100"


def test_the_id_and_revision_given_by_the_shell_win_over_the_body():
    parsed = parse_rule({**rule(), "id": "old", "revision": 1}, id="new", revision=7)
    assert (parsed.id, parsed.revision) == ("new", 7)


def test_every_action_kind_is_built():
    parsed = parse_rule(
        rule(
            fixed("5"),
            repeat(),
            rate(),
            percent(),
            {"type": "grant_benefit", "benefit_id": "b"},
            {"type": "tag_member", "tag": "t"},
        )
    )
    kinds = [type(action) for action in parsed.actions]
    assert kinds == [FixedPoints, RepeatPoints, RatePoints, PercentPoints, GrantBenefit, TagMember]


def test_times_and_days_are_read_as_business_local_clock_times():
    window = {"weekdays": ["Mon", "sun"], "time_from": "09:30", "time_until": "23:59"}
    parsed = parse_rule(rule(conditions=window))
    assert parsed.conditions.weekdays == frozenset({0, 6})
    assert (parsed.conditions.time_from, parsed.conditions.time_until) == (time(9, 30), time(23, 59))


def test_validity_times_keep_their_instant():
    parsed = parse_rule(rule(valid_from="2024-06-01T00:00:00+02:00"))
    assert parsed.valid_from == datetime(2024, 5, 31, 22, 0, tzinfo=UTC)


# (body, field named, words the message must contain)
REFUSALS = [
    ({"trigger": "purchase", "actions": [fixed("1")]}, "name", "non-empty name"),
    (rule(trigger="birthday"), "trigger", "purchase, joined, lifetime_points, code_used, event"),
    (rule(status="paused"), "status", "draft, active, stopped"),
    (rule(colour="red"), "colour", "is not a field of a rule"),
    (rule(actions=[]), "actions", "non-empty list"),
    (rule(actions="points"), "actions", "non-empty list"),
    (rule({"type": "give_points"}), "actions.0.type", "add_points, grant_benefit"),
    (rule({"type": "add_points", "mode": "double"}), "actions.0.mode", "fixed, repeat, rate, percent"),
    (rule({"type": "add_points", "points": "1"}), "actions.0.mode", "not missing"),
    (rule(rate(per="0")), "actions.0.per", 'a positive amount like "1.00"'),
    (rule(rate(per="-1.00")), "actions.0.per", 'a positive amount like "1.00"'),
    (rule(rate(per="abc")), "actions.0.per", 'a positive amount like "1.00"'),
    (rule(rate(per=1.5)), "actions.0.per", "not a float"),
    (rule(rate(per=True)), "actions.0.per", "not bool"),
    (rule(rate(per="1.005")), "actions.0.per", "more decimals than the currency"),
    (rule(rate(per=None)), "actions.0.per", "required for a rate action"),
    (rule(rate(points="-1")), "actions.0.points", "zero or more"),
    (rule(rate(points="0.001")), "actions.0.points", "more than 2 decimals"),
    (rule(fixed(None)), "actions.0.points", "required for a fixed action"),
    (rule(repeat(every="0")), "actions.0.every", "positive quantity"),
    (rule(repeat(every="-2")), "actions.0.every", "positive quantity"),
    (rule(percent(percent="-5")), "actions.0.percent", "zero or more"),
    (rule(percent(percent=None)), "actions.0.percent", "required for a percent action"),
    (rule(repeat(exclude_mops=["points"])), "actions.0.exclude_mops", "only applies to rate and percent"),
    (rule({**fixed("1"), "exclude_mops": "points"}), "actions.0.exclude_mops", "only applies to rate and"),
    (rule({**fixed("1"), "items": {"codes": ["A"]}}), "actions.0.items", "is not a field of a fixed action"),
    (rule(percent(per="1.00")), "actions.0.per", "is not a field of a percent action"),
    (rule(percent(exclude_mops=7)), "actions.0.exclude_mops", "list of means of payment"),
    (rule(rate(items={})), "actions.0.items", "at least one code, department or tag"),
    (rule(rate(items={"sku": ["A"]})), "actions.0.items.sku", "is not a field of an item selector"),
    (rule(rate(items={"codes": "A"})), "actions.0.items.codes", "non-empty list of codes"),
    (rule(rate(items={"codes": [""]})), "actions.0.items.codes.0", "one of codes"),
    (rule(fixed("1"), {"type": "grant_benefit"}), "actions.1.benefit_id", "a benefit id"),
    (rule({"type": "tag_member", "tag": " "}), "actions.0.tag", "non-empty tag"),
    (rule(rate(), trigger="joined"), "actions.0.mode", "must be fixed for the joined trigger"),
    (rule(trigger="lifetime_points"), "conditions.lifetime_points_at_least", "required for the lifetime_p"),
    (rule(trigger="code_used"), "conditions.code", "required for the code_used trigger"),
    (rule(trigger="event"), "conditions.event", "required for the event trigger"),
    (rule(conditions={"code": "X"}), "conditions.code", "only applies to the code_used trigger"),
    (rule(conditions={"event": "x"}), "conditions.event", "only applies to the event trigger"),
    (rule(trigger="joined", conditions={"min_spend": "10"}), "conditions.min_spend", "needs a purchase"),
    (rule(conditions={"min_spend": "-1"}), "conditions.min_spend", "zero or more"),
    (rule(conditions={"weekdays": ["funday"]}), "conditions.weekdays.0", "mon, tue, wed, thu, fri, sat, sun"),
    (rule(conditions={"weekdays": []}), "conditions.weekdays", "non-empty list of days"),
    (rule(conditions={"time_from": "9:30"}), "conditions.time_from", '"09:30" (HH:MM, 24-hour)'),
    (rule(conditions={"time_until": "24:00"}), "conditions.time_until", "HH:MM"),
    (rule(conditions={"time_from": "10:00", "time_until": "10:00"}), "conditions.time_until", "must differ"),
    (rule(conditions={"member_tags": "VIP"}), "conditions.member_tags", "non-empty list of tags"),
    (rule(conditions={"contains": {"codes": ["A"], "min_quantity": "0"}}), "conditions.contains.min_quantity",
     "positive quantity"),
    (rule(conditions={"colour": "red"}), "conditions.colour", "is not a field of conditions"),
    (rule(conditions=["min_spend"]), "conditions", "JSON object"),
    (rule(limits={"period": "day"}), "limits.per_member", "is required"),
    (rule(limits={"per_member": 0, "period": "day"}), "limits.per_member", "whole number of times"),
    (rule(limits={"per_member": "1", "period": "day"}), "limits.per_member", "whole number of times"),
    (rule(limits={"per_member": 1, "period": "hour"}), "limits.period", "day, week, month, year, ever"),
    (rule(valid_from="tomorrow"), "valid_from", "with an offset"),
    (rule(valid_from="2024-06-01T00:00:00"), "valid_from", "has no offset"),
    (rule(valid_from="2024-06-02T00:00Z", valid_until="2024-06-01T00:00Z"), "valid_until", "later than"),
]  # fmt: skip


@pytest.mark.parametrize(
    "body, field, words",
    REFUSALS,
    ids=[f"{field}: {words}" for _, field, words in REFUSALS],
)
def test_an_invalid_rule_is_refused_naming_the_field_and_what_is_allowed(body, field, words):
    with pytest.raises(RuleInvalid) as refused:
        parse_rule(body)
    assert refused.value.field == field
    assert words in refused.value.message
    assert str(refused.value) == f"{field}: {refused.value.message}"


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(RuleInvalid, match="JSON object"):
        parse_rule(["not", "a", "rule"])  # type: ignore[arg-type]


def test_a_null_optional_field_counts_as_absent():
    parsed = parse_rule(rule(repeat(exclude_mops=None, every=None), conditions=None, limits=None))
    action = parsed.actions[0]
    assert isinstance(action, RepeatPoints) and action.every == 1
    assert parsed.limits is None
