"""Benefits and promo codes as per-line discounts: order, caps, free items, rejections with a reason."""

from decimal import Decimal

import pytest

from loyalty.rules import (
    BenefitInvalid,
    DiscountRequest,
    Line,
    apply_discounts,
    benefit_to_dict,
    parse_benefit,
)


def line(line_id: str, code: str, amount: str, quantity: str = "1", department: str = "x") -> Line:
    return Line(
        line_id=line_id,
        code=code,
        amount=Decimal(amount),
        quantity=Decimal(quantity),
        department=department,
    )


def request(request_id: str, source: str = "benefit", **body: object) -> DiscountRequest:
    template = parse_benefit({"name": "b", **body})
    return DiscountRequest(id=request_id, source=source, name=request_id, template=template)


SALE = (line("1", "COFFEE", "4.00", department="coffee"), line("2", "CAKE", "6.00", department="bakery"))


def per_line(result) -> dict[str, Decimal]:
    return result.line_discounts


def test_a_percent_discount_on_the_order_spreads_over_the_lines_by_amount():
    result = apply_discounts(SALE, [request("a", kind="discount", discount={"percent": "10"})])
    assert result.total == Decimal("1.00")
    assert per_line(result) == {"1": Decimal("0.40"), "2": Decimal("0.60")}
    (applied,) = result.applied
    assert (applied.id, applied.source, applied.amount) == ("a", "benefit", Decimal("1.00"))


def test_a_percent_discount_is_capped_at_its_max():
    result = apply_discounts(SALE, [request("a", kind="discount", discount={"percent": "50", "max": "2.00"})])
    assert result.total == Decimal("2.00")
    assert sum(per_line(result).values()) == Decimal("2.00")


def test_a_percent_discount_on_items_touches_only_those_lines():
    result = apply_discounts(
        SALE, [request("a", kind="discount", discount={"percent": "25"}, items={"departments": ["coffee"]})]
    )
    assert per_line(result) == {"1": Decimal("1.00")}


def test_a_percent_discount_rounds_half_to_even_in_the_currency():
    ten_percent = request("a", kind="discount", discount={"percent": "10"})
    result = apply_discounts([line("1", "A", "0.25")], [ten_percent])
    assert result.total == Decimal("0.02")  # 0.025 -> 0.02


def test_an_amount_discount_never_exceeds_what_its_items_cost():
    result = apply_discounts(
        SALE, [request("a", kind="discount", discount={"amount": "5.00"}, items={"codes": ["COFFEE"]})]
    )
    assert per_line(result) == {"1": Decimal("4.00")}


def test_discounts_apply_in_the_order_requested_each_on_what_is_left():
    result = apply_discounts(
        SALE,
        [
            request("five-off", kind="discount", discount={"amount": "5.00"}),
            request("half", source="code", kind="discount", discount={"percent": "50"}),
        ],
    )
    assert [discount.amount for discount in result.applied] == [Decimal("5.00"), Decimal("2.50")]
    assert result.total == Decimal("7.50")
    amounts = {sold.line_id: sold.amount for sold in SALE}
    assert all(discount <= amounts[line_id] for line_id, discount in per_line(result).items())


def test_a_free_item_gives_the_most_expensive_unit_first():
    lines = (
        line("1", "SMALL", "3.00"),
        line("2", "LARGE", "10.00", quantity="2"),
        line("3", "MEDIUM", "4.00"),
    )
    free = request("free", kind="free_item", items={"codes": ["SMALL", "LARGE", "MEDIUM"]})
    result = apply_discounts(lines, [free])
    assert per_line(result) == {"2": Decimal("5.00")}


def test_a_free_item_with_several_units_moves_on_to_the_next_price():
    lines = (
        line("1", "SMALL", "3.00"),
        line("2", "LARGE", "10.00", quantity="2"),
        line("3", "MEDIUM", "4.00"),
    )
    free = request("free", kind="free_item", items={"codes": ["SMALL", "LARGE", "MEDIUM"]}, max_units=3)
    assert per_line(apply_discounts(lines, [free])) == {"2": Decimal("10.00"), "3": Decimal("4.00")}


def test_a_weighed_line_counts_as_one_free_unit():
    lines = (line("1", "CHEESE", "7.35", quantity="0.35"),)
    result = apply_discounts(lines, [request("free", kind="free_item", items={"codes": ["CHEESE"]})])
    assert per_line(result) == {"1": Decimal("7.35")}


def test_a_free_unit_of_an_uneven_line_is_rounded_to_the_currency():
    lines = (line("1", "PEN", "10.00", quantity="3"),)
    result = apply_discounts(lines, [request("free", kind="free_item", items={"codes": ["PEN"]})])
    assert per_line(result) == {"1": Decimal("3.33")}


@pytest.mark.parametrize(
    "requests, reason",
    [
        (
            [request("a", kind="discount", discount={"percent": "10"}, conditions={"min_spend": "20.00"})],
            "needs a purchase of at least 20.00",
        ),
        ([request("a", kind="free_item", items={"codes": ["TEA"]})], "no item in this sale qualifies"),
        (
            [
                request("fifty-off", kind="discount", discount={"amount": "50.00"}),
                request("a", kind="discount", discount={"percent": "10"}),
            ],
            "the items it covers are already fully discounted",
        ),
        ([request("a", kind="discount", discount={"percent": "0.01"})], "comes to 0.00 on this sale"),
        (
            [
                request("a", kind="discount", discount={"amount": "1.00"}),
                request("a", kind="discount", discount={"amount": "1.00"}),
            ],
            "is already in this sale",
        ),
    ],
    ids=["min spend", "no item", "fully discounted", "zero", "twice"],
)
def test_a_discount_that_cannot_apply_is_rejected_with_a_reason(requests, reason):
    result = apply_discounts(SALE, requests)
    assert (result.rejected[-1].id, result.rejected[-1].reason) == ("a", reason)


def test_a_rejected_discount_changes_nothing():
    result = apply_discounts(SALE, [request("a", kind="free_item", items={"codes": ["TEA"]})])
    assert result.applied == () and result.total == 0 and per_line(result) == {}


def test_min_spend_is_checked_against_the_pos_total_not_what_other_discounts_left():
    result = apply_discounts(
        SALE,
        [
            request("five-off", kind="discount", discount={"amount": "5.00"}),
            request("min-10", kind="discount", discount={"amount": "1"}, conditions={"min_spend": "10"}),
        ],
    )
    assert [discount.id for discount in result.applied] == ["five-off", "min-10"]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "10% off coffee", "kind": "discount", "discount": {"percent": "10", "max": "20.00"},
         "items": {"departments": ["coffee"]}, "valid_days": 30, "conditions": {"min_spend": "5.00"}},
        {"name": "5 off", "kind": "discount", "discount": {"amount": "5.00"}},
        {"name": "free coffee", "kind": "free_item", "items": {"codes": ["COFFEE"]}, "max_units": 2},
    ],
    ids=["percent", "amount", "free item"],
)  # fmt: skip
def test_a_benefit_template_survives_the_round_trip(body):
    template = parse_benefit(body)
    assert parse_benefit(benefit_to_dict(template)) == template


DISCOUNT = {"name": "x", "kind": "discount"}
FREE = {"name": "x", "kind": "free_item", "items": {"codes": ["A"]}}
REFUSED_BENEFITS = [
    ({"kind": "discount", "discount": {"amount": "1"}}, "name", "non-empty name"),
    ({"name": "x", "kind": "voucher"}, "kind", "discount, free_item"),
    (DISCOUNT, "discount", "is required"),
    ({**DISCOUNT, "discount": {"percent": "10", "amount": "1.00"}}, "discount", "either"),
    ({**DISCOUNT, "discount": {}}, "discount", "either"),
    ({**DISCOUNT, "discount": {"percent": "0"}}, "discount.percent", "above 0"),
    ({**DISCOUNT, "discount": {"percent": "101"}}, "discount.percent", "at most 100"),
    ({**DISCOUNT, "discount": {"amount": "1.00", "max": "2.00"}}, "discount.max", "percent"),
    ({**DISCOUNT, "discount": {"amount": 1.5}}, "discount.amount", "not a float"),
    ({**DISCOUNT, "discount": {"amount": "1.00"}, "max_units": 1}, "max_units", "free_item"),
    ({"name": "x", "kind": "free_item"}, "items", "is required"),
    ({**FREE, "max_units": 0}, "max_units", "whole number"),
    ({**FREE, "discount": {"amount": "1"}}, "discount", "only"),
    ({**FREE, "colour": "red"}, "colour", "not a field"),
    ({**FREE, "valid_days": -1}, "valid_days", "whole number"),
    ({**FREE, "conditions": {"min_spend": "x"}}, "conditions.min_spend", "amount"),
]


@pytest.mark.parametrize(
    "body, field, words",
    REFUSED_BENEFITS,
    ids=[f"{f}: {w}" for _, f, w in REFUSED_BENEFITS],
)
def test_an_invalid_benefit_is_refused_naming_the_field(body, field, words):
    with pytest.raises(BenefitInvalid) as refused:
        parse_benefit(body)
    assert refused.value.field == field
    assert words in refused.value.message
