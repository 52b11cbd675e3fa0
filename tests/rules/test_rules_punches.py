"""Punch cards in the engine: repeat and simple mode, overflow onto the next card, free lines do not punch."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.rules import (
    DiscountRequest,
    Line,
    Member,
    PunchCardInvalid,
    Purchase,
    evaluate,
    parse_benefit,
    parse_punch_card,
    parse_rule,
    punch_card_to_dict,
)

AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)


def card(**fields: object):
    body = {
        "name": "10th coffee free",
        "punches_required": 10,
        "items": {"codes": ["COFFEE"]},
        "reward_benefit_id": "b-1",
    } | fields
    return parse_punch_card(body, id="pc-1")


def coffees(*quantities: int, cake: bool = False) -> Purchase:
    lines = [
        Line(line_id=str(i), code="COFFEE", quantity=Decimal(q), amount=Decimal("4.50") * q)
        for i, q in enumerate(quantities, 1)
    ]
    if cake:
        lines.append(Line(line_id="cake", code="CAKE", amount=Decimal("6.00")))
    return Purchase(transaction_id="T", lines=tuple(lines))


def punches_of(purchase: Purchase, punch_card, before: int = 0, **kwargs: object):
    member = Member(id="m", punches={"pc-1": before})
    outcome = evaluate(purchase, member, [], at=AT, punch_cards=[punch_card], **kwargs)
    return outcome.punches[0] if outcome.punches else None


@pytest.mark.parametrize(
    ("quantities", "fields", "before", "added", "filled", "after"),
    [
        ((2,), {}, 7, 2, 0, 9),  # 2 coffees → 2 punches: 9 of 10
        ((1,), {}, 9, 1, 1, 0),  # the 10th coffee fills the card
        ((3,), {}, 9, 3, 1, 2),  # overflow: two punches start the next card
        ((12,), {}, 9, 12, 2, 1),  # two cards at once
        ((1, 2), {"every": 2}, 0, 1, 0, 1),  # one punch per 2 coffees
        ((5,), {"mode": "simple", "punches": 2}, 0, 2, 0, 2),  # per purchase, whatever the quantity
        ((1,), {"mode": "simple", "punches": 3, "punches_required": 3}, 2, 3, 1, 2),
    ],
)
def test_punches_and_overflow(quantities, fields, before, added, filled, after):
    punch = punches_of(coffees(*quantities), card(**fields), before)
    assert (punch.added, punch.filled, punch.after) == (added, filled, after)
    assert before + added == filled * punch.punches_required + after


def test_the_explanation_says_it_as_a_cashier_would():
    punch = punches_of(coffees(2), card(), 7)
    assert punch.explanation == "10th coffee free: 2 COFFEE → 2 punches: 9 of 10"
    full = punches_of(coffees(3), card(), 9)
    assert full.explanation == "10th coffee free: 3 COFFEE → 3 punches: a card full, reward earned; 2 of 10 on the next"


def test_a_sale_without_matching_items_does_not_punch():
    assert (
        punches_of(Purchase(transaction_id="T", lines=(Line(line_id="1", code="TEA", amount=Decimal(3)),)), card())
        is None
    )


def test_a_line_made_free_by_a_loyalty_discount_does_not_punch():
    free_coffee = parse_benefit({"name": "Free coffee", "kind": "free_item", "items": {"codes": ["COFFEE"]}})
    sale = Purchase(
        transaction_id="T",
        lines=(
            Line(line_id="1", code="COFFEE", amount=Decimal("4.50")),
            Line(line_id="2", code="COFFEE", amount=Decimal("4.50")),
        ),
    )
    request = DiscountRequest("asset", "benefit", "Free coffee", free_coffee)
    punch = punches_of(sale, card(), 0, requests=[request])
    assert (punch.added, punch.lines) == (1, (("2", 1),))


def test_a_deal_that_makes_every_coffee_free_leaves_no_punch():
    deal = parse_rule(
        {
            "name": "Coffee day",
            "trigger": "purchase",
            "status": "active",
            "actions": [{"type": "discount", "discount": {"percent": "100"}, "items": {"codes": ["COFFEE"]}}],
        },
        id="r",
        revision=1,
    )
    outcome = evaluate(coffees(2), Member(id="m"), [deal], at=AT, punch_cards=[card()])
    assert outcome.punches == ()


def test_a_stopped_card_does_not_punch():
    assert punches_of(coffees(1), card(status="stopped")) is None


def test_a_quote_a_confirmation_and_a_simulation_see_the_same_punches():
    first = evaluate(coffees(2), Member(id="m", punches={"pc-1": 3}), [], at=AT, punch_cards=[card()])
    again = evaluate(coffees(2), Member(id="m", punches={"pc-1": 3}), [], at=AT, punch_cards=[card()])
    assert first == again


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"punches_required": 0}, "punches_required"),
        ({"punches_required": "ten"}, "punches_required"),
        ({"items": None}, "items"),
        ({"items": {}}, "items"),
        ({"mode": "weekly"}, "mode"),
        ({"every": "0"}, "every"),
        ({"mode": "simple", "every": 2}, "every"),
        ({"punches": 2}, "punches"),
        ({"mode": "simple", "punches": -1}, "punches"),
        ({"reward_benefit_id": ""}, "reward_benefit_id"),
        ({"valid_days": 0}, "valid_days"),
        ({"status": "maybe"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_punch_card_is_refused_naming_the_field(fields, field):
    with pytest.raises(PunchCardInvalid) as refused:
        card(**fields)
    assert refused.value.field == field


@pytest.mark.parametrize("fields", [{}, {"mode": "simple", "punches": 2}, {"every": "2.5", "valid_days": 365}])
def test_a_punch_card_round_trips_through_its_canonical_form(fields):
    made = card(**fields)
    assert parse_punch_card(punch_card_to_dict(made), id="pc-1") == made


# --- properties ------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    quantities=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5),
    required=st.integers(min_value=1, max_value=12),
    every=st.integers(min_value=1, max_value=4),
    before=st.integers(min_value=0, max_value=11),
    simple=st.booleans(),
)
def test_punches_are_never_negative_and_overflow_is_exact(quantities, required, every, before, simple):
    before = before % required
    fields = {"punches_required": required}
    fields |= {"mode": "simple", "punches": every} if simple else {"every": every}
    punch = punches_of(coffees(*quantities), card(**fields), before)
    if punch is None:
        return
    assert punch.added > 0 and punch.filled >= 0
    assert 0 <= punch.after < required
    assert before + punch.added == punch.filled * required + punch.after
    assert sum(count for _, count in punch.lines) == punch.added
    assert all(count > 0 for _, count in punch.lines)
    if not simple:
        assert punch.added == sum(quantities) // every
