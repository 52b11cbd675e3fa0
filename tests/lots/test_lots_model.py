"""The arithmetic of lots: table cases, then hypothesis over any sequence of earn, spend, cancel, return, expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.wallet.lots.model import Book, Insufficient, Lot, plan_spend, plan_take_back, standing

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_spending_takes_the_lot_that_expires_first_not_the_oldest() -> None:
    book = Book()
    old_never = book.earn(1000, day(0))
    young_soon = book.earn(500, day(5), expires_at=day(30))
    book.spend(700, day(6))
    assert book.lots[young_soon].remaining == 0
    assert book.lots[old_never].remaining == 800


def test_pending_points_cannot_be_spent_until_they_are_available() -> None:
    book = Book()
    book.earn(1000, day(0), pending_until=day(14))
    with pytest.raises(Insufficient):
        book.spend(1, day(13))
    assert book.standing(day(13)).pending == 1000
    book.spend(1000, day(14))
    assert book.balance == 0


def test_expired_points_cannot_be_spent_even_before_the_expiry_run() -> None:
    book = Book()
    book.earn(1000, day(0), expires_at=day(30))
    with pytest.raises(Insufficient):
        book.spend(1, day(30))
    assert book.standing(day(30)).overdue == 1000 and book.standing(day(30)).spendable == 0
    assert book.expire(day(31)) == 1000 and book.balance == 0
    assert book.expire(day(32)) == 0  # a second run expires nothing more


def test_a_cancelled_spend_gives_back_the_same_lots_with_their_dates() -> None:
    book = Book()
    first = book.earn(300, day(0), expires_at=day(10))
    second = book.earn(300, day(1), expires_at=day(20))
    spent = book.spend(500, day(2))
    book.cancel_spend(spent, day(3))
    assert book.lots[first].remaining == 300 and book.lots[first].expires_at == day(10)
    assert book.lots[second].remaining == 300
    book.cancel_spend(spent, day(3))  # twice changes nothing
    assert book.balance == 600


def test_a_return_takes_from_the_purchases_own_lots_first() -> None:
    book = Book()
    other = book.earn(1000, day(0), expires_at=day(100))
    own = book.earn(200, day(1), expires_at=day(200), purchase_id="p")
    plan = book.take_back("p", 150, day(2))
    assert plan.takes[0].lot_id == own and plan.taken == 150
    assert book.lots[other].remaining == 1000


def test_a_return_of_expired_points_takes_nothing_from_other_lots() -> None:
    book = Book()
    book.earn(200, day(0), expires_at=day(10), purchase_id="p")
    other = book.earn(1000, day(5), expires_at=day(100))
    book.expire(day(11))
    plan = book.take_back("p", 200, day(12))
    assert plan.taken == 0 and plan.not_recovered == 200
    assert book.lots[other].remaining == 1000
    again = book.take_back("p", 200, day(12))  # the expired part was counted once
    assert again.written_off == () and again.taken == 200


def test_a_return_of_spent_points_takes_them_from_other_lots() -> None:
    book = Book()
    book.earn(200, day(0), purchase_id="p")
    book.spend(150, day(1))
    book.earn(1000, day(2))
    plan = book.take_back("p", 200, day(3))
    assert plan.taken == 200 and plan.not_recovered == 0 and book.balance == 850


def test_a_debt_is_paid_first_by_the_next_earning() -> None:
    book = Book()
    book.earn(100, day(0), purchase_id="p")
    book.spend(100, day(0))
    book.take_back("p", 100, day(1), allow_negative=True)
    assert book.balance == -100 and book.debt == 100
    lot = book.earn(250, day(2))
    assert book.debt == 0 and book.balance == 150 and book.lots[lot].remaining == 150


def test_next_expiry_sums_the_lots_expiring_first() -> None:
    lots = [
        Lot("a", 100, 100, day(0), day(0), day(30)),
        Lot("b", 50, 50, day(0), day(0), day(30)),
        Lot("c", 70, 70, day(0), day(0), day(60)),
        Lot("d", 10, 0, day(0), day(0), day(20)),
    ]
    now = standing(lots, day(1))
    assert (now.next_expiry_at, now.next_expiry_points, now.spendable) == (day(30), 150, 220)


def test_plans_never_take_more_than_a_lot_holds() -> None:
    lots = [Lot("a", 100, 40, day(0), day(0), None, "p"), Lot("b", 100, 100, day(0), day(0), None)]
    takes, short = plan_spend(lots, 500, day(1))
    assert [(t.lot_id, t.amount) for t in takes] == [("a", 40), ("b", 100)] and short == 360
    plan = plan_take_back(lots, 60, day(1), "p")
    assert [(t.lot_id, t.amount) for t in plan.takes] == [("a", 40), ("b", 20)]


# --- any sequence ---------------------------------------------------------------------------------------

amounts = st.integers(min_value=1, max_value=5_000)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("earn"),
            amounts,
            st.integers(0, 5),
            st.one_of(st.none(), st.integers(1, 40)),
            st.booleans(),
        ),
        st.tuples(st.just("spend"), amounts),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("return"), st.integers(0, 20), amounts),
        st.tuples(
            st.just("expire"),
        ),
        st.tuples(st.just("wait"), st.integers(1, 15)),
    ),
    max_size=40,
)


def check(book: Book, at: datetime) -> None:
    held = sum(lot.remaining for lot in book.lots.values())
    assert held - book.debt == book.balance  # the lots add up to the balance
    assert book.debt >= 0
    for lot in book.lots.values():
        assert 0 <= lot.remaining <= lot.amount  # no lot consumed beyond its amount, or twice
        # Written off: expired points, posted or due (an overdue lot's points are the business's already).
        assert 0 <= lot.written_off <= lot.expired + (lot.remaining if lot.expired_by(at) else 0)
        used = sum(a.amount for a in book.allocations if a.lot_id == lot.id)
        assert lot.amount - lot.remaining == used
    for allocation in book.allocations:
        if allocation.kind == "spend":
            lot = book.lots[allocation.lot_id or ""]
            assert not lot.pending(allocation.at) and not lot.expired_by(allocation.at)  # never spent unspendable
    if book.debt:  # a debt is paid before any point can be spent or taken again
        assert all(lot.expired_by(at) for lot in book.lots.values() if lot.remaining)


def n(value: object) -> int:
    assert isinstance(value, int)
    return value


@settings(max_examples=300, deadline=None)
@given(steps, st.booleans())
def test_any_sequence_keeps_the_lots_equal_to_the_balance(plan: list[tuple[object, ...]], negative: bool) -> None:
    book = Book()
    now = T0
    spends: list[str] = []
    purchases: list[str] = []
    for step in plan:
        kind = step[0]
        if kind == "earn":
            _, amount, pending_days, expiry_days, from_purchase = step
            purchase = f"p{len(purchases)}" if from_purchase else None
            if purchase:
                purchases.append(purchase)
            book.earn(
                n(amount),
                now,
                pending_until=now + timedelta(days=n(pending_days)) if pending_days else None,
                expires_at=now + timedelta(days=n(expiry_days)) if expiry_days is not None else None,
                purchase_id=purchase,
            )
        elif kind == "spend":
            before = book.balance
            try:
                spends.append(book.spend(n(step[1]), now))
            except Insufficient:
                assert book.balance == before
                assert book.standing(now).spendable < n(step[1])
        elif kind == "cancel" and spends:
            book.cancel_spend(spends[n(step[1]) % len(spends)], now)
        elif kind == "return" and purchases:
            purchase, amount = purchases[n(step[1]) % len(purchases)], n(step[2])
            before, debt_before = book.balance, book.debt
            result = book.take_back(purchase, amount, now, allow_negative=negative)
            into_debt = book.debt - debt_before
            assert before - book.balance == result.taken + into_debt
            assert result.taken + result.not_recovered + into_debt == amount  # every point is accounted for
        elif kind == "expire":
            book.expire(now)
            assert book.standing(now).overdue == 0
        elif kind == "wait":
            now += timedelta(days=n(step[1]))
        check(book, now)
        shown = book.standing(now)
        assert shown.spendable + shown.pending + shown.overdue - book.debt == book.balance
