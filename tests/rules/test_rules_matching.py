"""Names match whatever their case and surrounding spaces: item codes, departments, tags, means of payment,
member tags. The index and a plain list of rules agree, and explanations keep the names as written."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.rules import Line, Member, Payment, Purchase, RuleIndex, evaluate, parse_rule

NOON = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)


def rate(rule_id: str = "r-1", **action: object):
    body = {
        "name": "rate",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", **action}],
    }
    return parse_rule(body, id=rule_id, revision=1)


def sale(*payments: Payment, code="MILK", department="dairy", tags=("organic",), amount="10.00") -> Purchase:
    item = Line(line_id="1", code=code, department=department, tags=tuple(tags), amount=Decimal(amount))
    return Purchase(transaction_id="T-1", lines=(item,), payments=payments)


def points(rule, purchase, member=None) -> tuple[Decimal, Decimal]:
    """The points from a plain list and from the index: always the same."""
    member = member or Member(id="m")
    plain = evaluate(purchase, member, [rule], at=NOON).points
    indexed = evaluate(purchase, member, RuleIndex([rule]), at=NOON).points
    return plain, indexed


@pytest.mark.parametrize(
    "selector, line",
    [
        ({"departments": ["Dairy"]}, {"department": "dairy"}),
        ({"departments": ["dairy"]}, {"department": " DAIRY "}),
        ({"codes": [" milk"]}, {"code": "Milk"}),
        ({"tags": ["ORGANIC"]}, {"tags": ("Organic ",)}),
    ],
)
def test_items_match_whatever_their_case_and_spaces(selector, line):
    assert points(rate(items=selector), sale(**line)) == (Decimal(10), Decimal(10))


@pytest.mark.parametrize("selector", [{"departments": ["Dairy"]}, {"codes": ["MILK "]}, {"tags": ["organic"]}])
def test_excluded_items_are_excluded_whatever_their_spelling(selector):
    assert points(rate(exclude_items=selector), sale(department="DAIRY", code="milk", tags=("Organic",))) == (0, 0)


def test_excluded_means_of_payment_match_whatever_their_spelling():
    purchase = sale(Payment(mop="Cash", amount=Decimal("4.00")), Payment(mop=" POINTS ", amount=Decimal("6.00")))
    assert points(rate(exclude_mops=["points"]), purchase) == (Decimal(4), Decimal(4))
    assert points(rate(exclude_mops="Points , voucher"), purchase) == (Decimal(4), Decimal(4))


def test_member_tags_match_whatever_their_spelling():
    body = {
        "name": "vip",
        "trigger": "purchase",
        "status": "active",
        "conditions": {"member_tags": [" vip"]},
        "actions": [{"type": "add_points", "mode": "fixed", "points": "5"}],
    }
    rule = parse_rule(body, id="r-1", revision=1)
    assert points(rule, sale(), Member(id="m", tags=frozenset({"VIP"}))) == (5, 5)
    assert points(rule, sale(), Member(id="m", tags=frozenset({"VIPS"}))) == (0, 0)


def test_explanations_keep_the_names_as_written():
    outcome = evaluate(sale(department="dairy"), Member(id="m"), [rate(items={"departments": ["Dairy"]})], at=NOON)
    assert "on Dairy" in outcome.awards[0].explanation
