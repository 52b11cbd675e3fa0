"""What rules earn: the four add_points modes, exclusions, rounding, effects, and how it is reported."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.rules import (
    Context,
    Line,
    Member,
    Payment,
    Purchase,
    RuleIndex,
    Trigger,
    crossed_lifetime_rules,
    evaluate,
    parse_rule,
)

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
MEMBER = Member(id="m-1")


def rule(*actions: dict, rule_id: str = "r-1", revision: int = 1, trigger: str = "purchase", **fields):
    body = {
        "name": "rule " + rule_id,
        "trigger": trigger,
        "status": "active",
        "actions": list(actions),
        **fields,
    }
    return parse_rule(body, id=rule_id, revision=revision)


def line(line_id: str, code: str, amount: str, department: str = "x", quantity: str = "1", tags=()) -> Line:
    return Line(
        line_id=line_id,
        code=code,
        amount=Decimal(amount),
        quantity=Decimal(quantity),
        department=department,
        tags=tuple(tags),
    )


def sale(*lines: Line, paid: dict[str, str] | None = None) -> Purchase:
    payments = tuple(Payment(mop=mop, amount=Decimal(amount)) for mop, amount in (paid or {}).items())
    return Purchase(transaction_id="T-1", lines=lines, payments=payments)


def run(purchase, *rules, context=Context(), **kwargs):
    return evaluate(purchase, MEMBER, list(rules), at=AT, context=context, **kwargs)


FIXED_ONE = {"type": "add_points", "mode": "fixed", "points": "1"}
RATE_DAIRY = {
    "type": "add_points",
    "mode": "rate",
    "points": "1",
    "per": "1.00",
    "items": {"departments": ["dairy"]},
}


@pytest.mark.parametrize(
    "amount, points",
    [("0.99", "0"), ("1.00", "1"), ("2.50", "2"), ("2.99", "2"), ("3.00", "3")],
)
def test_rate_rule_counts_whole_pers_only(amount, points):
    assert run(sale(line("1", "MILK", amount, "dairy")), rule(RATE_DAIRY)).points == Decimal(points)


def test_rate_rule_ignores_lines_it_does_not_select():
    purchase = sale(line("1", "MILK", "2.50", "dairy"), line("2", "BREAD", "9.00", "bakery"))
    outcome = run(purchase, rule(RATE_DAIRY))
    assert outcome.points == 2
    assert [(share.line_id, share.points) for share in outcome.awards[0].lines] == [("1", Decimal("2.00"))]


@pytest.mark.parametrize(
    "points_decimals, expected",
    [(2, "3.33"), (1, "3.3"), (0, "3")],
)
def test_percent_points_round_down_to_the_business_precision(points_decimals, expected):
    action = {"type": "add_points", "mode": "percent", "percent": "10"}
    context = Context(points_decimals=points_decimals)
    outcome = run(sale(line("1", "A", "33.39")), rule(action), context=context)
    assert outcome.points == Decimal(expected)
    assert str(outcome.points) == expected


def test_rate_points_with_fractions_round_down_after_multiplying():
    action = {"type": "add_points", "mode": "rate", "points": "0.5", "per": "1.00"}
    purchase = sale(line("1", "A", "3.00"))
    assert run(purchase, rule(action), context=Context(points_decimals=0)).points == 1
    assert run(purchase, rule(action), context=Context(points_decimals=1)).points == Decimal("1.5")


@pytest.mark.parametrize(
    "every, quantities, points",
    [("1", ["2", "1"], "30"), ("2", ["2", "1"], "10"), ("2", ["2", "2"], "20"), ("0.5", ["1.2"], "20")],
)
def test_repeat_gives_points_for_each_full_every_of_the_matching_quantity(every, quantities, points):
    action = {
        "type": "add_points",
        "mode": "repeat",
        "points": "10",
        "every": every,
        "items": {"departments": ["drinks"]},
    }
    lines = [line(str(i), f"D{i}", "3.00", "drinks", quantity=q) for i, q in enumerate(quantities)]
    lines.append(line("snack", "CHIPS", "2.00", "snacks", quantity="5"))
    assert run(sale(*lines), rule(action)).points == Decimal(points)


def test_repeat_spreads_its_points_over_the_lines_by_quantity():
    action = {"type": "add_points", "mode": "repeat", "points": "10", "items": {"departments": ["drinks"]}}
    purchase = sale(line("1", "COLA", "6.00", "drinks", "2"), line("2", "WATER", "2.00", "drinks", "1"))
    award = run(purchase, rule(action)).awards[0]
    assert {share.line_id: share.points for share in award.lines} == {
        "1": Decimal("20.00"),
        "2": Decimal("10.00"),
    }
    assert award.explanation == "10 points × 3 drinks = 30"


def test_repeat_with_every_explains_the_division():
    action = {
        "type": "add_points",
        "mode": "repeat",
        "points": "5",
        "every": "2",
        "items": {"codes": ["COLA"]},
    }
    award = run(sale(line("1", "COLA", "9.00", quantity="5")), rule(action)).awards[0]
    assert award.explanation == "5 points per 2 COLA: 5 → 2 × 5 = 10"


def test_repeat_excludes_excluded_items_from_the_quantity():
    action = {"type": "add_points", "mode": "repeat", "points": "1", "exclude_items": {"tags": ["alcohol"]}}
    beer = line("2", "BEER", "6.00", quantity="4", tags=["alcohol"])
    purchase = sale(line("1", "COLA", "6.00", quantity="2"), beer)
    outcome = run(purchase, rule(action))
    assert outcome.points == 2
    assert outcome.awards[0].explanation == "1 point × 2 items except alcohol = 2"


def test_fixed_points_come_once_per_trigger_and_spread_over_the_sale_by_amount():
    ten_points = rule({"type": "add_points", "mode": "fixed", "points": "10"})
    outcome = run(sale(line("1", "A", "30.00"), line("2", "B", "10.00")), ten_points)
    assert outcome.points == 10
    assert {share.line_id: share.points for share in outcome.awards[0].lines} == {
        "1": Decimal("7.50"),
        "2": Decimal("2.50"),
    }


def test_fixed_points_for_joining_have_no_lines():
    welcome = rule({"type": "add_points", "mode": "fixed", "points": "50"}, trigger="joined", name="Welcome")
    outcome = evaluate(None, MEMBER, [welcome], at=AT, trigger=Trigger.joined())
    assert outcome.points == 50
    assert outcome.awards[0].lines == ()
    assert outcome.awards[0].explanation == "Welcome: 50 points for joining"


def test_excluded_items_earn_nothing_even_when_selected():
    action = {
        "type": "add_points",
        "mode": "percent",
        "percent": "10",
        "items": {"departments": ["drinks"]},
        "exclude_items": {"tags": ["alcohol"]},
    }
    beer = line("2", "BEER", "20.00", "drinks", tags=["alcohol"])
    purchase = sale(line("1", "COLA", "10.00", "drinks"), beer)
    outcome = run(purchase, rule(action))
    assert outcome.points == 1
    assert outcome.awards[0].explanation == "10% of 10.00 on drinks except alcohol = 1"


@pytest.mark.parametrize(
    "payments, points",
    [
        ({"cash": "40.00"}, "4"),  # no excluded MOP: S = 1
        ({}, "4"),  # no payment reported at all: S = 1
        ({"cash": "30.00", "points": "10.00"}, "3"),
        ({"points": "40.00"}, "0"),  # only the excluded MOP
        ({"points": "20.00"}, "0"),  # the excluded MOP reported, the included one not: nothing
        ({"cash": "50.00", "points": "10.00"}, "4"),  # S is at most 1
        ({"cash": "10.00", "voucher": "10.00", "points": "20.00"}, "1"),  # two MOPs excluded
    ],
)
def test_the_included_share_counts_only_what_was_paid_with_mops_not_excluded(payments, points):
    action = {"type": "add_points", "mode": "percent", "percent": "10", "exclude_mops": "points, voucher"}
    assert run(sale(line("1", "A", "40.00"), paid=payments), rule(action)).points == Decimal(points)


def test_the_included_share_is_measured_against_the_total_after_discounts():
    action = {"type": "add_points", "mode": "percent", "percent": "10", "exclude_mops": ["points"]}
    purchase = sale(line("1", "A", "40.00"), paid={"cash": "15.00", "points": "15.00"})
    # 10.00 of discount: the sale is 30.00, half of it paid in cash -> 15.00 earns at 10%.
    outcome = run(purchase, rule(action), line_discounts={"1": Decimal("10.00")})
    assert outcome.points == Decimal("1.50")
    explanation = "10% of 15.00 paid in cash (15.00 paid with points excluded) = 1.50"
    assert outcome.awards[0].explanation == explanation


def test_points_are_earned_on_line_amounts_after_loyalty_discounts():
    action = {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}
    purchase = sale(line("1", "A", "10.00"), line("2", "B", "5.00"))
    outcome = run(purchase, rule(action), line_discounts={"1": Decimal("2.50")})
    assert outcome.points == 12
    assert outcome.awards[0].explanation == "1 point per 1.00: 12.50 → 12 × 1 = 12"


def test_a_discount_outside_the_line_amount_is_a_programming_error():
    with pytest.raises(ValueError, match="outside"):
        run(sale(line("1", "A", "10.00")), rule(RATE_DAIRY), line_discounts={"1": Decimal("10.01")})
    with pytest.raises(ValueError, match="not in the purchase"):
        run(sale(line("1", "A", "10.00")), rule(RATE_DAIRY), line_discounts={"9": Decimal("1.00")})


def test_all_actions_of_all_matching_rules_add_up_in_rule_id_order():
    ten_percent = {"type": "add_points", "mode": "percent", "percent": "10"}
    bonus = {"type": "add_points", "mode": "fixed", "points": "5"}
    rules = [rule(bonus, rule_id="b"), rule(ten_percent, bonus, rule_id="a")]
    outcome = run(sale(line("1", "A", "20.00")), *rules)
    assert outcome.points == 12
    assert [(award.rule_id, award.action_index, award.points) for award in outcome.awards] == [
        ("a", 0, Decimal("2.00")),
        ("a", 1, Decimal("5.00")),
        ("b", 0, Decimal("5.00")),
    ]
    assert [fired.rule_id for fired in outcome.fired] == ["a", "b"]


def test_each_award_names_the_rule_revision_it_was_earned_under():
    revised = rule(RATE_DAIRY, rule_id="r-7", revision=4)
    award = run(sale(line("1", "MILK", "3.00", "dairy")), revised).awards[0]
    assert (award.rule_id, award.revision, award.rule_name) == ("r-7", 4, "rule r-7")


def test_a_rule_that_earns_nothing_has_not_fired_and_does_not_use_up_its_limit():
    limited = rule(RATE_DAIRY, limits={"per_member": 1, "period": "day"})
    outcome = run(sale(line("1", "BREAD", "5.00", "bakery")), limited, explain=True)
    assert outcome.fired == ()
    assert outcome.skipped[0].reason.english() == "no item in this sale counts for dairy"


def test_benefits_and_tags_come_back_as_effects():
    actions = (
        {"type": "grant_benefit", "benefit_id": "coffee"},
        {"type": "tag_member", "tag": "VIP"},
        {"type": "untag_member", "tag": "new"},
    )
    outcome = run(sale(line("1", "A", "1.00")), rule(*actions, name="Welcome pack"))
    assert outcome.points == 0
    assert outcome.benefits_to_grant == ("coffee",)
    assert outcome.tags_to_add == frozenset({"VIP"})
    assert outcome.tags_to_remove == frozenset({"new"})
    assert [effect.explanation for effect in outcome.effects] == [
        "Welcome pack: grants benefit coffee",
        "Welcome pack: tags the member VIP",
        "Welcome pack: removes the member's tag new",
    ]
    assert [fired.rule_id for fired in outcome.fired] == ["r-1"]


def test_when_rules_both_add_and_remove_a_tag_the_later_rule_wins():
    add = rule({"type": "tag_member", "tag": "VIP"}, rule_id="a")
    remove = rule({"type": "untag_member", "tag": "VIP"}, rule_id="b")
    outcome = run(sale(line("1", "A", "1.00")), remove, add)
    assert outcome.tags_to_add == frozenset()
    assert outcome.tags_to_remove == frozenset({"VIP"})


def test_the_index_and_a_plain_list_give_the_same_outcome():
    rules = [
        rule(RATE_DAIRY, rule_id="dairy"),
        rule({"type": "add_points", "mode": "percent", "percent": "5"}, rule_id="all"),
        rule({"type": "add_points", "mode": "fixed", "points": "3"}, rule_id="cola",
             conditions={"contains": {"codes": ["COLA"]}}),
        rule({"type": "add_points", "mode": "repeat", "points": "1",
              "items": {"tags": ["bio"]}}, rule_id="b"),
    ]  # fmt: skip
    purchase = sale(line("1", "MILK", "4.00", "dairy", tags=["bio"]), line("2", "COLA", "2.00", "drinks"))
    assert run(purchase, *rules) == evaluate(purchase, MEMBER, RuleIndex(rules), at=AT)


def test_the_index_does_not_even_look_at_rules_for_items_not_in_the_sale():
    dairy = rule(RATE_DAIRY, rule_id="dairy")
    beer = rule({**RATE_DAIRY, "items": {"codes": ["BEER"]}}, rule_id="beer")
    anything = rule({"type": "add_points", "mode": "fixed", "points": "1"}, rule_id="any")
    index = RuleIndex([dairy, beer, anything])
    from loyalty.rules.situation import Basket

    purchase = sale(line("1", "MILK", "4.00", "dairy"))
    candidates = index.candidates(Trigger.purchase(), Basket(purchase, {}, 2), Decimal(0))
    assert [candidate.id for candidate in candidates] == ["any", "dairy"]


def test_the_index_files_other_triggers_by_code_event_and_threshold():
    code = rule({"type": "add_points", "mode": "fixed", "points": "1"}, rule_id="c", trigger="code_used",
                conditions={"code": "SUMMER"})  # fmt: skip
    thresholds = [
        rule(FIXED_ONE, rule_id=f"t{n}", trigger="lifetime_points",
             conditions={"lifetime_points_at_least": str(n)})
        for n in (100, 500, 1000)
    ]  # fmt: skip
    index = RuleIndex([code, *thresholds])
    assert index.candidates(Trigger.code_used("summer"), None, Decimal(0)) == [code]
    assert index.candidates(Trigger.code_used("winter"), None, Decimal(0)) == []
    crossed = index.candidates(Trigger.lifetime_points(before=Decimal(100)), None, Decimal(500))
    assert [candidate.id for candidate in crossed] == ["t500"]
    assert [r.id for r in crossed_lifetime_rules(index, before=Decimal(50), after=Decimal(1000))] == [
        "t100",
        "t1000",
        "t500",
    ]
    assert crossed_lifetime_rules(thresholds, before=Decimal(1000), after=Decimal(5000)) == ()


def test_an_unsaved_rule_is_ordered_by_its_content_not_by_its_place_in_the_list():
    a = parse_rule({"name": "a", "trigger": "purchase", "status": "active",
                    "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}]})  # fmt: skip
    b = parse_rule({"name": "b", "trigger": "purchase", "status": "active",
                    "actions": [{"type": "add_points", "mode": "fixed", "points": "2"}]})  # fmt: skip
    purchase = sale(line("1", "A", "1.00"))
    assert run(purchase, a, b) == run(purchase, b, a)


def test_evaluate_needs_an_aware_clock_and_a_purchase_for_the_purchase_trigger():
    with pytest.raises(ValueError, match="aware"):
        evaluate(sale(line("1", "A", "1.00")), MEMBER, [], at=datetime(2024, 6, 5, 12, 0))
    with pytest.raises(ValueError, match="needs the purchase"):
        evaluate(None, MEMBER, [], at=AT)


def test_line_facts_refuse_floats_and_negative_amounts():
    with pytest.raises(TypeError):
        Line(line_id="1", code="A", amount=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Line(line_id="1", code="A", amount=Decimal("-1"))
    with pytest.raises(ValueError, match="repeats a line_id"):
        sale(line("1", "A", "1.00"), line("1", "B", "1.00"))
