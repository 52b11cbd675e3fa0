"""The fast paths of `evaluate` against their plain definitions, over generated rules and baskets (hypothesis).

The rule index and the basket's index of its lines only narrow down what is looked at, the conditions a rule
sets are checked from a list worked out when it is built, and a rule with nothing to check skips the checks:
none of it may change an outcome. So a RuleIndex gives what a plain list gives, explaining changes nothing but
the reasons, and a basket matches a selector exactly where `ItemSelector.matches` says a line matches.

One difference is known and left as it is: a deal whose rule holds but whose items are not in the sale is
turned down in `discounts.rejected` ("no item in this sale qualifies") when every rule is looked at (a plain
list, or `explain`), and not mentioned when the index leaves the rule out (it is filed under its deal's items).
The comparisons below set those rejections aside and compare everything else.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.money import from_minor
from loyalty.rules import Context, Line, Member, Outcome, Payment, Purchase, RuleIndex, evaluate, parse_rule
from loyalty.rules.selectors import ItemSelector
from loyalty.rules.situation import Basket

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
# Names as tills and the Campaign Center spell them apart: a selector's "Dairy " is a line's "dairy".
CODES = ("A", "a ", "B", "sku-1", " SKU-1")
DEPARTMENTS = ("dairy", "Dairy ", "drinks", "BAKERY")
TAGS = ("bio", " Bio", "alcohol", "promo")
MOPS = ("cash", "card", "points", "Points ")

cents = st.integers(min_value=0, max_value=9_000).map(lambda minor: from_minor(minor, 2))
quantities = st.sampled_from([Decimal(0), Decimal(1), Decimal(2), Decimal(3), Decimal("0.5"), Decimal("1.25")])


@st.composite
def purchases(draw: st.DrawFn) -> Purchase:
    lines = tuple(
        Line(
            line_id=str(index),
            code=draw(st.sampled_from(CODES)),
            department=draw(st.sampled_from((*DEPARTMENTS, None))),
            tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=3))),
            quantity=draw(quantities),
            amount=draw(cents),
        )
        for index in range(draw(st.integers(min_value=0, max_value=8)))
    )
    payments = tuple(
        Payment(mop=draw(st.sampled_from(MOPS)), amount=draw(cents)) for _ in range(draw(st.integers(0, 3)))
    )
    return Purchase(transaction_id="T", lines=lines, payments=payments, branch_id=draw(st.sampled_from(("b-1", "b-2"))))


selectors = st.fixed_dictionaries(
    {},
    optional={
        "codes": st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True),
        "departments": st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2, unique=True),
        "tags": st.lists(st.sampled_from(TAGS), min_size=1, max_size=2, unique=True),
    },
).filter(bool)
points = st.sampled_from(["0", "0.01", "0.5", "1", "2", "10"])


@st.composite
def actions(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(("fixed", "repeat", "rate", "percent", "rate", "percent", "deal", "benefit")))
    if kind == "fixed":
        return {"type": "add_points", "mode": "fixed", "points": draw(points)}
    if kind == "benefit":
        return {"type": "grant_benefit", "benefit_id": "coffee"}
    if kind == "deal":
        deal: dict = {"type": "discount", "discount": draw(st.sampled_from([{"percent": "10"}, {"amount": "2.00"}]))}
        if draw(st.booleans()):
            deal["items"] = draw(selectors)
        return deal
    action: dict = {"type": "add_points", "mode": kind}
    if draw(st.integers(0, 3)):
        action["items"] = draw(selectors)
    if draw(st.booleans()):
        action["exclude_items"] = draw(selectors)
    if kind == "repeat":
        return {**action, "points": draw(points), "every": draw(st.sampled_from(["1", "2", "0.5"]))}
    if draw(st.booleans()):
        action["exclude_mops"] = draw(st.lists(st.sampled_from(MOPS), min_size=1, max_size=2))
    if kind == "rate":
        return {**action, "points": draw(points), "per": draw(st.sampled_from(["0.01", "1.00", "2.50"]))}
    return {**action, "percent": draw(st.sampled_from(["0", "1", "10", "33.333"]))}


conditions = st.fixed_dictionaries(
    {},
    optional={
        "min_spend": st.sampled_from(["0", "10.00", "50.00"]),
        "contains": st.builds(
            lambda items, minimum: {**items, **({"min_quantity": minimum} if minimum else {})},
            selectors,
            st.sampled_from([None, "1", "2.5"]),
        ),
        "weekdays": st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri"]), min_size=1, max_size=3),
        "time_from": st.sampled_from(["09:00", "13:00", "22:00"]),
        "branches": st.lists(st.sampled_from(["b-1", "b-3"]), min_size=1, max_size=1),
        "member_tags": st.lists(st.sampled_from(["VIP", " vip", "gold"]), min_size=1, max_size=2),
        "member_tiers": st.lists(st.sampled_from(["Silver", "gold "]), min_size=1, max_size=1),
    },
)


@st.composite
def rule_sets(draw: st.DrawFn) -> list:
    rules = []
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        body: dict = {
            "name": f"rule {index}",
            "trigger": "purchase",
            "status": draw(st.sampled_from(["active", "active", "active", "draft"])),
            "actions": draw(st.lists(actions(), min_size=1, max_size=2)),
            "conditions": draw(conditions),
        }
        if draw(st.integers(0, 4)) == 0:
            body["limits"] = {"per_member": 1, "period": draw(st.sampled_from(["day", "ever"]))}
        if draw(st.integers(0, 6)) == 0:
            body["valid_from"] = (AT + timedelta(hours=draw(st.sampled_from([-1, 1])))).isoformat()
        rules.append(parse_rule(body, id=f"r{index}", revision=1))
    return rules


members = st.builds(
    lambda tags, tier, used: Member(
        id="m-1",
        tags=frozenset(tags),
        tier=tier,
        rule_uses={rule_id: (AT - timedelta(hours=2),) for rule_id in used},
    ),
    st.lists(st.sampled_from(["vip", "GOLD "]), max_size=2),
    st.sampled_from([None, "silver", "Gold"]),
    st.lists(st.sampled_from(["r0", "r1", "r2"]), max_size=2),
)
moments = st.sampled_from([AT, AT + timedelta(hours=11), AT - timedelta(hours=10), AT + timedelta(days=3)])


def _but_deals_not_in_the_sale(outcome: Outcome) -> Outcome:
    """The outcome without the deals turned down for want of their items (see above)."""
    rejected = outcome.discounts.rejected
    kept = tuple(r for r in rejected if r.source != "deal" or r.reason != "no item in this sale qualifies")
    return replace(outcome, discounts=replace(outcome.discounts, rejected=kept))


@settings(max_examples=300, deadline=None)
@given(purchase=purchases(), rules=rule_sets(), member=members, at=moments)
def test_the_rule_index_gives_the_outcome_of_a_linear_scan(purchase, rules, member, at):
    scanned = _but_deals_not_in_the_sale(evaluate(purchase, member, rules, at=at))
    assert _but_deals_not_in_the_sale(evaluate(purchase, member, RuleIndex(rules), at=at)) == scanned
    assert _but_deals_not_in_the_sale(evaluate(purchase, member, RuleIndex(reversed(rules)), at=at)) == scanned


@settings(max_examples=300, deadline=None)
@given(purchase=purchases(), rules=rule_sets(), member=members, at=moments)
def test_explaining_changes_nothing_but_the_reasons(purchase, rules, member, at):
    plain = evaluate(purchase, member, RuleIndex(rules), at=at, context=Context(points_decimals=1))
    explained = evaluate(purchase, member, rules, at=at, context=Context(points_decimals=1), explain=True)
    assert (explained.points, explained.awards, explained.fired) == (plain.points, plain.awards, plain.fired)
    assert explained.effects == plain.effects
    assert _but_deals_not_in_the_sale(explained).discounts == _but_deals_not_in_the_sale(plain).discounts
    fired = {(rule.rule_id, rule.revision) for rule in explained.fired}
    skipped = {(rule.rule_id, rule.revision) for rule in explained.skipped}
    assert not fired & skipped
    assert fired | skipped == {(rule.id, rule.revision) for rule in rules}
    assert all(rule.reason.english() for rule in explained.skipped)


@settings(max_examples=300, deadline=None)
@given(purchase=purchases(), selector=selectors, exclude=st.one_of(st.none(), selectors))
def test_a_basket_matches_a_selector_on_exactly_the_lines_it_matches(purchase, selector, exclude):
    items = ItemSelector(**{key: frozenset(names) for key, names in selector.items()})
    excluded = None if exclude is None else ItemSelector(**{key: frozenset(names) for key, names in exclude.items()})
    basket = Basket(purchase, {}, 2)
    matches = [index for index, line in enumerate(purchase.lines) if items.matches(line)]
    assert list(basket.matching(items)) == matches
    kept = [index for index in matches if excluded is None or not excluded.matches(purchase.lines[index])]
    assert list(basket.eligible(items, excluded)) == kept
    everything = [i for i, line in enumerate(purchase.lines) if excluded is None or not excluded.matches(line)]
    assert list(basket.eligible(None, excluded)) == everything
