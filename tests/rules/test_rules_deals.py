"""Deals: a rule's `discount` action, applied by the engine before benefits and codes; points on what is left."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.money import from_minor
from loyalty.rules import (
    DiscountRequest,
    Line,
    Member,
    Purchase,
    RuleIndex,
    RuleInvalid,
    evaluate,
    parse_benefit,
    parse_rule,
    rule_to_dict,
)

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
MEMBER = Member(id="m-1")


def sale(*lines: tuple[str, str, str, str]) -> Purchase:
    """Lines as (line_id, code, department, amount)."""
    return Purchase(
        transaction_id="T-1",
        lines=tuple(
            Line(line_id=line_id, code=code, department=department, amount=Decimal(amount))
            for line_id, code, department, amount in lines
        ),
    )


def rule(rule_id: str, *actions: dict, conditions: dict | None = None, limits: dict | None = None):
    body = {"name": f"Deal {rule_id}", "trigger": "purchase", "status": "active", "actions": list(actions)}
    if conditions:
        body["conditions"] = conditions
    if limits:
        body["limits"] = limits
    return parse_rule(body, id=rule_id, revision=1)


COFFEE_AND_CAKE = sale(("1", "COFFEE", "coffee", "4.00"), ("2", "CAKE", "bakery", "6.00"))
RATE = {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}


@pytest.mark.parametrize(
    ("discount", "items", "expected"),
    [
        ({"percent": "10"}, None, {"1": "0.40", "2": "0.60"}),
        ({"percent": "50", "max": "1.50"}, None, {"1": "0.60", "2": "0.90"}),
        ({"amount": "2.00"}, {"departments": ["coffee"]}, {"1": "2.00"}),
        ({"amount": "9.00"}, {"departments": ["coffee"]}, {"1": "4.00"}),  # never below zero
        ({"percent": "100"}, {"codes": ["CAKE"]}, {"2": "6.00"}),
    ],
)
def test_a_deal_takes_its_discount_off_the_lines_it_covers(discount, items, expected):
    action = {"type": "discount", "discount": discount} | ({"items": items} if items else {})
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, [rule("d", action)], at=AT)
    (applied,) = outcome.discounts.applied
    assert (applied.source, applied.id, applied.name) == ("deal", "d", "Deal d")
    assert outcome.discounts.line_discounts == {line: Decimal(amount) for line, amount in expected.items()}


def test_points_are_earned_on_what_the_deal_leaves():
    deal = rule("a-deal", {"type": "discount", "discount": {"amount": "3.00"}, "items": {"codes": ["CAKE"]}})
    earning = rule("b-earn", RATE)
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, [deal, earning], at=AT)
    assert outcome.discounts.total == Decimal("3.00")
    assert outcome.points == Decimal("7")  # 10.00 - 3.00 = 7.00 → 7 × 1 point
    assert [fired.rule_id for fired in outcome.fired] == ["a-deal", "b-earn"]


def test_deals_come_before_benefits_and_codes_which_work_on_what_is_left():
    deal = rule("d", {"type": "discount", "discount": {"percent": "50"}, "items": {"codes": ["COFFEE"]}})
    coupon = DiscountRequest(
        "asset-1",
        "benefit",
        "2.00 off coffee",
        parse_benefit(
            {"name": "c", "kind": "discount", "discount": {"amount": "5.00"}, "items": {"codes": ["COFFEE"]}}
        ),
    )
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, [deal, rule("e", RATE)], at=AT, requests=[coupon])
    assert [(d.source, d.amount) for d in outcome.discounts.applied] == [
        ("deal", Decimal("2.00")),
        ("benefit", Decimal("2.00")),  # capped at what the deal left on the coffee
    ]
    assert outcome.points == Decimal("6")


def test_a_deal_whose_conditions_fail_gives_nothing_and_does_not_fire():
    deal = rule("d", {"type": "discount", "discount": {"amount": "1.00"}}, conditions={"min_spend": "20.00"})
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, [deal], at=AT, explain=True)
    assert outcome.discounts.applied == ()
    assert outcome.fired == ()
    assert "20.00" in outcome.skipped[0].reason.english()


def test_a_deal_checks_min_spend_on_the_sale_before_loyalty_discounts():
    deal = rule("d", {"type": "discount", "discount": {"amount": "2.00"}}, conditions={"min_spend": "10.00"})
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, [deal], at=AT)
    assert outcome.discounts.total == Decimal("2.00")


def test_a_deal_used_up_by_its_limit_applies_no_more():
    deal = rule("d", {"type": "discount", "discount": {"amount": "1.00"}}, limits={"per_member": 1, "period": "day"})
    used = Member(id="m-1", rule_uses={"d": (AT,)})
    assert evaluate(COFFEE_AND_CAKE, used, [deal], at=AT).discounts.applied == ()
    assert evaluate(COFFEE_AND_CAKE, MEMBER, [deal], at=AT).discounts.total == Decimal("1.00")


def test_a_deal_on_items_not_in_the_sale_is_not_there():
    deal = rule("d", {"type": "discount", "discount": {"amount": "1.00"}, "items": {"codes": ["BEER"]}})
    outcome = evaluate(COFFEE_AND_CAKE, MEMBER, RuleIndex([deal]), at=AT)
    assert outcome.discounts.applied == ()
    assert outcome.fired == ()


def test_a_rule_index_and_a_plain_list_give_the_same_deals():
    deal = rule("d", {"type": "discount", "discount": {"percent": "20"}, "items": {"departments": ["bakery"]}})
    by_index = evaluate(COFFEE_AND_CAKE, MEMBER, RuleIndex([deal]), at=AT)
    by_list = evaluate(COFFEE_AND_CAKE, MEMBER, [deal], at=AT)
    assert by_index.discounts == by_list.discounts
    assert by_index.discounts.total == Decimal("1.20")


def test_a_deal_round_trips_through_its_canonical_form():
    deal = rule("d", {"type": "discount", "discount": {"percent": "10", "max": "5.00"}, "items": {"tags": ["x"]}})
    assert parse_rule(rule_to_dict(deal)) == deal
    (action,) = rule_to_dict(deal)["actions"]
    assert (action["type"], action["discount"]) == ("discount", {"percent": "10", "max": "5.00"})


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ({"type": "discount"}, "actions.0.discount"),
        ({"type": "discount", "discount": {}}, "actions.0.discount"),
        ({"type": "discount", "discount": {"percent": "10", "amount": "1.00"}}, "actions.0.discount"),
        ({"type": "discount", "discount": {"percent": "-1"}}, "actions.0.discount.percent"),
        ({"type": "discount", "discount": {"percent": "101"}}, "actions.0.discount.percent"),
        ({"type": "discount", "discount": {"amount": "0"}}, "actions.0.discount.amount"),
        ({"type": "discount", "discount": {"amount": "1.001"}}, "actions.0.discount.amount"),
        ({"type": "discount", "discount": {"amount": "1.00", "max": "2.00"}}, "actions.0.discount.max"),
        ({"type": "discount", "discount": {"amount": "1.00"}, "points": "3"}, "actions.0.points"),
    ],
)
def test_a_bad_deal_is_refused_naming_the_field(action, field):
    with pytest.raises(RuleInvalid) as refused:
        parse_rule({"name": "d", "trigger": "purchase", "actions": [action]})
    assert refused.value.field == field


def test_a_deal_needs_a_purchase():
    with pytest.raises(RuleInvalid) as refused:
        parse_rule({"name": "d", "trigger": "joined", "actions": [{"type": "discount", "discount": {"amount": "1"}}]})
    assert refused.value.field == "actions.0.type"


# --- properties ------------------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=20_000).map(lambda minor: from_minor(minor, 2))
CODES = ("A", "B", "C")


@st.composite
def baskets(draw: st.DrawFn) -> Purchase:
    count = draw(st.integers(min_value=1, max_value=6))
    return Purchase(
        transaction_id="T",
        lines=tuple(Line(line_id=str(i), code=draw(st.sampled_from(CODES)), amount=draw(cents)) for i in range(count)),
    )


@st.composite
def deals(draw: st.DrawFn) -> dict:
    if draw(st.booleans()):
        discount = {"percent": str(draw(st.integers(min_value=1, max_value=100)))}
        if draw(st.booleans()):
            discount["max"] = str(draw(cents.filter(lambda amount: amount > 0)))
    else:
        discount = {"amount": str(draw(cents.filter(lambda amount: amount > 0)))}
    action: dict = {"type": "discount", "discount": discount}
    if draw(st.booleans()):
        action["items"] = {"codes": sorted(draw(st.sets(st.sampled_from(CODES), min_size=1)))}
    return action


@settings(max_examples=150, deadline=None)
@given(basket=baskets(), actions=st.lists(deals(), min_size=1, max_size=3))
def test_deal_discounts_never_exceed_the_line_amounts_and_points_are_earned_on_what_is_left(basket, actions):
    rules = [rule(f"d{i}", action) for i, action in enumerate(actions)] + [rule("z-earn", RATE)]
    outcome = evaluate(basket, MEMBER, rules, at=AT)
    per_line = outcome.discounts.line_discounts
    for line in basket.lines:
        assert Decimal(0) <= per_line.get(line.line_id, Decimal(0)) <= line.amount
    assert all(discount.amount > 0 for discount in outcome.discounts.applied)
    left = sum((line.amount for line in basket.lines), Decimal(0)) - outcome.discounts.total
    assert left >= 0
    assert outcome.points == left // 1  # 1 point per whole 1.00 of what is left
    assert evaluate(basket, MEMBER, rules, at=AT) == outcome  # deterministic
