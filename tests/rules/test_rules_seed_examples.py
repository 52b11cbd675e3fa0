"""Every worked example of the Campaign Center article (tests/data/seed-examples.json), through the
pure engine."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.rules import Context, Line, Member, Payment, Purchase, RuleIndex, evaluate, parse_rule
from tests.support.acceptance import CASES, SEED_EXAMPLES

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)


def _purchase(data: dict) -> Purchase:
    return Purchase(
        transaction_id=data["transaction_id"],
        lines=tuple(
            Line(
                line_id=item["line_id"],
                code=item["code"],
                name=item.get("name", ""),
                department=item.get("department"),
                quantity=Decimal(str(item.get("quantity", 1))),
                amount=Decimal(item["amount"]),
                tags=tuple(item.get("tags", ())),
            )
            for item in data["items"]
        ),
        payments=tuple(Payment(mop=p["mop"], amount=Decimal(p["amount"])) for p in data.get("payments", ())),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"][:60])
def test_every_seed_example_earns_exactly_the_expected_points(case):
    rules = [parse_rule(rule, id=f"rule-{index}", revision=1) for index, rule in enumerate(case["rules"])]
    context = Context(points_decimals=int(case.get("points_decimals", 2)))
    member = Member(id="member-1")
    if "purchase" in case:
        outcome = evaluate(_purchase(case["purchase"]), member, RuleIndex(rules), at=AT, context=context)
        expected = Decimal(case["expect"]["points_earned"])
    else:  # a registration: the joined trigger, no purchase
        outcome = evaluate(None, member, RuleIndex(rules), at=AT, context=context, trigger="joined")
        expected = Decimal(case["expect"]["points_balance_after_registration"])
    assert outcome.points == expected
    assert sum(award.points for award in outcome.awards) == expected
    for award in outcome.awards:
        if award.lines:
            assert sum(share.points for share in award.lines) == award.points


def test_the_seed_file_is_present():
    assert SEED_EXAMPLES.exists(), f"expected the acceptance examples at {SEED_EXAMPLES}"
    assert len(CASES) >= 10


@pytest.mark.parametrize(
    "case_name, explanations",
    [
        ("rate: 1 point for every 1.00", ["1 point per 1.00 on dairy: 2.50 → 2 × 1 = 2"]),
        ("rate: 0.01 point", ["0.01 points per 0.01 on dairy: 2.50 → 250 × 0.01 = 2.50"]),
        ("percent: 10% of 30.00", ["10% of 30.00 on dairy = 3"]),
        ("repeat: 10 points", ["10 points × 3 drinks = 30"]),
        ("fixed, simple mode, for joining", ["welcome: 50 points for joining"]),
        ("fixed, simple mode, for spending", ["big basket: 100 points for a purchase of at least 50.00"]),
        ("exclude items", ["10% of 20.00 on everything except alcohol = 2"]),
        ("exclude means of payment", ["10% of 20.00 paid in cash (20.00 paid with points excluded) = 2"]),
        (
            "mixed MOP",
            [
                "10% of 5.00 paid in cash on A (20.00 paid with points excluded) = 0.50",
                "20% of 15.00 paid in cash on B (20.00 paid with points excluded) = 3",
            ],
        ),
        ("only the excluded MOP", []),
    ],
)
def test_each_seed_award_explains_its_arithmetic_to_the_cashier(case_name, explanations):
    case = next(case for case in CASES if case["name"].startswith(case_name))
    rules = [parse_rule(rule, id=f"rule-{index}", revision=1) for index, rule in enumerate(case["rules"])]
    if "purchase" in case:
        outcome = evaluate(_purchase(case["purchase"]), Member(id="m"), rules, at=AT)
    else:
        outcome = evaluate(None, Member(id="m"), rules, at=AT, trigger="joined")
    assert [award.explanation for award in outcome.awards] == explanations


def test_the_mixed_mop_example_spreads_the_cash_over_the_items_by_their_amounts():
    case = next(case for case in CASES if case["name"].startswith("mixed MOP"))
    rules = [parse_rule(rule, id=f"rule-{index}", revision=1) for index, rule in enumerate(case["rules"])]
    outcome = evaluate(_purchase(case["purchase"]), Member(id="m"), rules, at=AT)
    per_line = {share.line_id: share.points for award in outcome.awards for share in award.lines}
    assert per_line == {"1": Decimal("0.50"), "2": Decimal("3.00")}
