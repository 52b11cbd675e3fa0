"""loyalty.money: exact amounts, named roundings, integers at rest, allocation that always adds up."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.money import (
    D,
    allocate,
    currency_exponent,
    floor_points,
    from_minor,
    hundredths_to_points,
    points_to_hundredths,
    quantize_money,
    to_minor,
)


@pytest.mark.parametrize(
    "value, expected",
    [("12.50", "12.50"), (" 3 ", "3"), (7, "7"), (Decimal("0.1"), "0.1")],
)
def test_amounts_are_built_from_strings_ints_and_decimals(value, expected):
    assert D(value) == Decimal(expected)
    assert str(D(value)) == expected


@pytest.mark.parametrize("value", [0.1, 1.0, True, None, [1]])
def test_a_float_or_other_type_is_never_an_amount(value):
    with pytest.raises(TypeError):
        D(value)


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "1,50"])
def test_text_that_is_not_a_finite_number_is_refused(value):
    with pytest.raises(ValueError):
        D(value)


@pytest.mark.parametrize(
    "amount, exponent, expected",
    [("2.345", 2, "2.34"), ("2.355", 2, "2.36"), ("2.5", 0, "2"), ("3.5", 0, "4"), ("1.0005", 3, "1.000")],
)
def test_money_rounds_half_to_even(amount, exponent, expected):
    assert str(quantize_money(D(amount), exponent)) == expected


@pytest.mark.parametrize(
    "value, decimals, expected",
    [("2.999", 2, "2.99"), ("2.5", 0, "2"), ("0.019", 1, "0.0"), ("7", 2, "7.00")],
)
def test_earned_points_always_round_down(value, decimals, expected):
    assert str(floor_points(D(value), decimals)) == expected


@pytest.mark.parametrize(
    "amount, exponent, minor", [("12.50", 2, 1250), ("1250", 0, 1250), ("1.250", 3, 1250), ("0", 2, 0)]
)
def test_money_converts_exactly_to_and_from_minor_units(amount, exponent, minor):
    assert to_minor(D(amount), exponent) == minor
    assert from_minor(minor, exponent) == D(amount)


def test_an_amount_finer_than_the_currency_does_not_fit_in_minor_units():
    with pytest.raises(ValueError, match="more than 2 decimals"):
        to_minor(D("1.005"), 2)


def test_points_are_stored_as_integer_hundredths():
    assert points_to_hundredths(D("2.5")) == 250
    assert hundredths_to_points(250) == D("2.50")
    assert str(hundredths_to_points(7)) == "0.07"
    with pytest.raises(ValueError):
        points_to_hundredths(D("0.001"))


@pytest.mark.parametrize(
    "code, exponent",
    [("JPY", 0), ("KWD", 3), ("BHD", 3), ("EUR", 2), ("chf", 2), ("XYZ", 2)],
)
def test_currency_exponents_follow_iso_4217(code, exponent):
    assert currency_exponent(code) == exponent


def test_a_malformed_currency_code_is_refused():
    with pytest.raises(ValueError):
        currency_exponent("EURO")


def test_allocation_gives_the_left_over_cent_to_the_largest_remainder():
    assert allocate(D("10.00"), [D(1), D(1), D(1)], 2) == [D("3.34"), D("3.33"), D("3.33")]
    assert allocate(D("20.00"), [D("10.00"), D("30.00")], 2) == [D("5.00"), D("15.00")]
    assert allocate(D("0.05"), [D("1"), D("2"), D("2")], 2) == [D("0.01"), D("0.02"), D("0.02")]


def test_allocation_breaks_ties_by_position():
    assert allocate(D("0.01"), [D(1), D(1)], 2) == [D("0.01"), D("0.00")]


def test_allocation_over_zero_weights_splits_equally():
    assert allocate(D("3"), [D(0), D(0), D(0)], 0) == [D(1), D(1), D(1)]


def test_allocation_of_a_negative_total_mirrors_the_positive_one():
    assert allocate(D("-10.00"), [D(1), D(1), D(1)], 2) == [D("-3.34"), D("-3.33"), D("-3.33")]


def test_allocation_refuses_negative_weights_and_unrepresentable_totals():
    with pytest.raises(ValueError):
        allocate(D("1.00"), [D(1), D(-1)], 2)
    with pytest.raises(ValueError):
        allocate(D("1.005"), [D(1)], 2)
    with pytest.raises(ValueError):
        allocate(D("1.00"), [], 2)


money = st.integers(min_value=0, max_value=10**9).map(lambda cents: from_minor(cents, 2))
weight = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)
weights = st.lists(weight, min_size=1, max_size=30)


@given(total=money, weights=weights)
def test_allocated_shares_always_sum_exactly_to_the_total(total, weights):
    shares = allocate(total, weights, 2)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    assert all(share >= 0 for share in shares)


@given(total=money, weights=weights)
def test_each_share_is_within_one_cent_of_its_exact_proportion(total, weights):
    weight_sum = sum(weights)
    shares = allocate(total, weights, 2)
    for share, weight in zip(shares, weights, strict=True):
        exact = total * weight / weight_sum if weight_sum else total / len(weights)
        assert abs(share - exact) < D("0.01")


@given(total=money, weights=weights)
def test_allocation_is_deterministic(total, weights):
    assert allocate(total, weights, 2) == allocate(total, list(weights), 2)
