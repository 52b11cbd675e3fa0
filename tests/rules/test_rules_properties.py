"""Invariants of earning, over generated baskets and rules (hypothesis)."""

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.money import from_minor
from loyalty.rules import (
    Context,
    Line,
    Member,
    Payment,
    Purchase,
    RuleIndex,
    evaluate,
    parse_rule,
    rule_to_dict,
)
from loyalty.rules.situation import Basket

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
MEMBER = Member(id="m-1")
CODES = ("A", "B", "C", "D")
DEPARTMENTS = ("dairy", "drinks", "bakery")
TAGS = ("alcohol", "bio", "promo")
MOPS = ("cash", "card", "points", "voucher")

cents = st.integers(min_value=0, max_value=20_000).map(lambda minor: from_minor(minor, 2))
quantities = st.one_of(
    st.integers(min_value=0, max_value=6).map(Decimal),
    st.decimals(min_value="0.001", max_value="3", places=3),
)


@st.composite
def purchases(draw: st.DrawFn) -> Purchase:
    count = draw(st.integers(min_value=1, max_value=8))
    lines = tuple(
        Line(
            line_id=str(index),
            code=draw(st.sampled_from(CODES)),
            department=draw(st.sampled_from(DEPARTMENTS)),
            tags=tuple(draw(st.sets(st.sampled_from(TAGS), max_size=2))),
            quantity=draw(quantities),
            amount=draw(cents),
        )
        for index in range(count)
    )
    payments = tuple(
        Payment(mop=draw(st.sampled_from(MOPS)), amount=draw(cents)) for _ in range(draw(st.integers(0, 3)))
    )
    return Purchase(transaction_id="T", lines=lines, payments=payments)


selectors = st.fixed_dictionaries(
    {},
    optional={
        "codes": st.lists(st.sampled_from(CODES), min_size=1, max_size=2),
        "departments": st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2),
        "tags": st.lists(st.sampled_from(TAGS), min_size=1, max_size=2),
    },
).filter(bool)
points = st.sampled_from(["0", "0.01", "0.5", "1", "2", "10", "2.25"])
mop_exclusions = st.lists(st.sampled_from(MOPS), max_size=2)


@st.composite
def actions(draw: st.DrawFn, *, modes=("fixed", "repeat", "rate", "percent"), exclude_mops=True) -> dict:
    mode = draw(st.sampled_from(modes))
    action: dict = {"type": "add_points", "mode": mode}
    if mode == "fixed":
        return {**action, "points": draw(points)}
    if draw(st.booleans()):
        action["items"] = draw(selectors)
    if draw(st.booleans()):
        action["exclude_items"] = draw(selectors)
    if mode == "repeat":
        return {**action, "points": draw(points), "every": draw(st.sampled_from(["1", "2", "0.5", "3"]))}
    if exclude_mops and draw(st.booleans()):
        action["exclude_mops"] = draw(mop_exclusions)
    if mode == "rate":
        return {
            **action,
            "points": draw(points),
            "per": draw(st.sampled_from(["0.01", "1.00", "2.50", "10.00"])),
        }
    return {**action, "percent": draw(st.sampled_from(["0", "1", "10", "12.5", "33.333", "150"]))}


@st.composite
def rule_sets(draw: st.DrawFn, **action_options: object) -> list:
    count = draw(st.integers(min_value=1, max_value=6))
    rules = []
    for index in range(count):
        body = {
            "name": f"rule {index}",
            "trigger": "purchase",
            "status": "active",
            "actions": draw(st.lists(actions(**action_options), min_size=1, max_size=3)),
        }
        if draw(st.booleans()):
            body["conditions"] = {"min_spend": draw(st.sampled_from(["0", "10.00", "50.00"]))}
        rules.append(parse_rule(body, id=f"r{index}", revision=1))
    return rules


def _without_mop_exclusions(rule):
    body = rule_to_dict(rule)
    body["actions"] = [
        {key: value for key, value in action.items() if key != "exclude_mops"} for action in body["actions"]
    ]
    return parse_rule(body)


contexts = st.builds(Context, points_decimals=st.integers(min_value=0, max_value=2))


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), rules=rule_sets(), context=contexts)
def test_points_are_never_negative_and_each_award_adds_up_over_its_lines(purchase, rules, context):
    outcome = evaluate(purchase, MEMBER, rules, at=AT, context=context)
    assert outcome.points >= 0
    assert outcome.points == sum(award.points for award in outcome.awards)
    step = Decimal(1).scaleb(-context.points_decimals)
    for award in outcome.awards:
        assert award.points > 0
        assert award.points % step == 0  # rounded to the business precision
        assert sum(share.points for share in award.lines) == award.points
        assert all(share.points > 0 for share in award.lines)


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), rules=rule_sets())
def test_excluded_items_never_earn(purchase, rules):
    outcome = evaluate(purchase, MEMBER, rules, at=AT)
    lines = {line.line_id: line for line in purchase.lines}
    by_id = {rule.id: rule for rule in rules}
    for award in outcome.awards:
        action = by_id[award.rule_id].actions[award.action_index]
        exclude = getattr(action, "exclude_items", None)
        if exclude is not None:
            assert not any(exclude.matches(lines[share.line_id]) for share in award.lines)


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), rules=rule_sets(modes=("rate", "percent")))
def test_payments_with_excluded_mops_never_earn(purchase, rules):
    """When every reported payment uses an excluded MOP, an action excluding them earns nothing."""
    everything_excluded = Purchase(
        transaction_id="T",
        lines=purchase.lines,
        payments=tuple(Payment(mop="points", amount=payment.amount) for payment in purchase.payments)
        or (Payment(mop="points", amount=Decimal("1.00")),),
    )
    outcome = evaluate(everything_excluded, MEMBER, rules, at=AT)
    by_id = {rule.id: rule for rule in rules}
    for award in outcome.awards:
        action = by_id[award.rule_id].actions[award.action_index]
        assert "points" not in getattr(action, "exclude_mops", frozenset())


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), rules=rule_sets(modes=("rate", "percent")))
def test_excluding_a_mop_never_earns_more_than_not_excluding_it(purchase, rules):
    without_exclusions = [_without_mop_exclusions(rule) for rule in rules]
    with_them = evaluate(purchase, MEMBER, rules, at=AT)
    without_them = evaluate(purchase, MEMBER, without_exclusions, at=AT)
    assert with_them.points <= without_them.points


@settings(max_examples=200, deadline=None)
@given(
    purchase=purchases(),
    rules=rule_sets(modes=("rate", "percent", "repeat", "fixed"), exclude_mops=False),
    which=st.integers(min_value=0, max_value=7),
    extra=cents,
)
def test_spending_more_on_a_line_never_earns_fewer_points(purchase, rules, which, extra):
    index = which % len(purchase.lines)
    grown = list(purchase.lines)
    old = grown[index]
    grown[index] = Line(
        line_id=old.line_id,
        code=old.code,
        department=old.department,
        tags=old.tags,
        quantity=old.quantity,
        amount=old.amount + extra,
    )
    bigger = Purchase(transaction_id="T", lines=tuple(grown), payments=purchase.payments)
    before = evaluate(purchase, MEMBER, rules, at=AT)
    after = evaluate(bigger, MEMBER, rules, at=AT)
    assert after.points >= before.points


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), rules=rule_sets(), order=st.randoms(use_true_random=False))
def test_evaluation_is_deterministic_and_ignores_the_order_of_the_rules(purchase, rules, order):
    first = evaluate(purchase, MEMBER, rules, at=AT)
    assert evaluate(purchase, MEMBER, rules, at=AT) == first
    shuffled = list(rules)
    order.shuffle(shuffled)
    assert evaluate(purchase, MEMBER, shuffled, at=AT) == first
    assert evaluate(purchase, MEMBER, RuleIndex(shuffled), at=AT) == first


@settings(max_examples=200, deadline=None)
@given(purchase=purchases(), excluded=st.sets(st.sampled_from(MOPS), min_size=1, max_size=2))
def test_the_included_amount_is_spread_over_the_lines_exactly(purchase, excluded):
    basket = Basket(purchase, {}, 2)
    spend = basket.included(frozenset(excluded))
    assert sum(spend.shares) == spend.included
    assert all(share >= 0 for share in spend.shares)
    assert all(share <= line.amount for share, line in zip(spend.shares, purchase.lines, strict=True))
    paid_otherwise = sum((p.amount for p in purchase.payments if p.mop not in excluded), Decimal(0))
    if spend.limited:
        assert spend.included == min(paid_otherwise, basket.total)
    else:
        assert spend.shares == basket.net
