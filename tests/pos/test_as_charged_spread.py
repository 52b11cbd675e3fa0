"""The till's discounts spread over the lines: whole cents, in proportion to loyalty's own shares, never more than a
line holds, the whole amount placed while the lines can take it."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from loyalty import rules as engine
from loyalty.sale.as_charged import till_discounts
from loyalty.sale.purchases import Charged


def lines(*cents: int) -> tuple[engine.Line, ...]:
    return tuple(
        engine.Line(
            line_id=str(n + 1), code=f"C{n}", name="", department=None, quantity=Decimal(1), amount=Decimal(c) / 100
        )
        for n, c in enumerate(cents)
    )


def applied(ident: str, source: str, cents: dict[str, int]) -> engine.AppliedDiscount:
    shares = tuple(engine.LineAmount(line_id, Decimal(c) / 100) for line_id, c in cents.items())
    total = Decimal(sum(cents.values())) / 100
    return engine.AppliedDiscount(ident, source, ident, total, shares)  # type: ignore[arg-type]


def test_a_code_charged_3_where_loyalty_gave_2_is_spread_as_loyalty_spread_it() -> None:
    computed = engine.Discounts(applied=(applied("TWOOFF", "code", {"1": 150, "2": 50}),))
    found = till_discounts(lines(3000, 1000), computed, Charged((("code", "twooff", Decimal("3.00")),)), 2)
    (only,) = found.applied
    assert only.amount == Decimal("3.00")
    assert [(share.line_id, share.amount) for share in only.lines] == [("1", Decimal("2.25")), ("2", Decimal("0.75"))]


def test_what_loyalty_did_not_give_is_spread_over_every_line_and_a_line_never_goes_below_zero() -> None:
    computed = engine.Discounts(applied=(applied("popcorn", "benefit", {"2": 600}),))
    charged = Charged((("benefit", "popcorn", Decimal("9.00")), ("code", "GONE", Decimal("50.00"))))
    found = till_discounts(lines(400, 600), computed, charged, 2)
    popcorn, gone = found.applied
    assert popcorn.amount == Decimal("9.00")  # 6.00 on the popcorn, the rest where there is room
    assert gone.amount == Decimal("1.00")  # only 1.00 was left on the ticket
    assert sum(share.amount for d in found.applied for share in d.lines) == Decimal("10.00")


@given(
    st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=700_000),
)
def test_the_spread_is_exact_and_within_the_lines(cents: list[int], wanted: int) -> None:
    basket = lines(*cents)
    found = till_discounts(basket, engine.Discounts(), Charged((("code", "X", Decimal(wanted) / 100),)), 2)
    placed = sum((share.amount for d in found.applied for share in d.lines), Decimal(0))
    assert placed == Decimal(min(wanted, sum(cents))) / 100
    per_line = {line.line_id: line.amount for line in basket}
    for discount in found.applied:
        for share in discount.lines:
            assert Decimal(0) < share.amount <= per_line[share.line_id]
