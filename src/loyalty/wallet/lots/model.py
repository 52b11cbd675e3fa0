"""The arithmetic of lots, pure: which lots a spend, a take-back or an expiry consumes, in integer hundredths.

A lot holds `remaining` of its `amount`. It is pending before `available_at` and expired from `expires_at` on
(both as of a moment passed in: nothing here reads a clock). Spending takes only spendable lots, the one that
expires first first (a lot that never expires last), so a member never loses points that could have been spent.
Taking points back (a return, an admin's correction) takes from any unexpired lot, spendable ones before pending
ones; a return takes from the purchase's own lots first, and what of those lots has expired is not taken again
from other lots: the business already had it back.

`Book` strings the plans together into a member's whole account: the model the property tests drive, and the
statement of what the database code must do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class Lot:
    id: str
    amount: int  # hundredths earned
    remaining: int  # hundredths still held
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None
    purchase_id: str | None = None
    expired: int = 0  # hundredths an expiry took from it
    written_off: int = 0  # of `expired`, hundredths a return has already counted as not recovered

    def pending(self, at: datetime) -> bool:
        return self.available_at > at

    def expired_by(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at

    def spendable(self, at: datetime) -> bool:
        return self.remaining > 0 and not self.pending(at) and not self.expired_by(at)

    def unclaimed_expiry(self, at: datetime) -> int:
        """Expired hundredths (posted, or due at `at`) that no return has counted yet."""
        due = self.remaining if self.expired_by(at) else 0
        return self.expired + due - self.written_off


@dataclass(frozen=True)
class Take:
    lot_id: str
    amount: int


@dataclass(frozen=True)
class TakeBack:
    takes: tuple[Take, ...]  # from lots
    written_off: tuple[Take, ...]  # expired points of the purchase's own lots: not recovered, not taken again
    shortfall: int  # not found in any lot (already spent)

    @property
    def taken(self) -> int:
        return sum(take.amount for take in self.takes)

    @property
    def not_recovered(self) -> int:
        return sum(take.amount for take in self.written_off) + self.shortfall


def spend_order(lot: Lot) -> tuple[bool, datetime, datetime, str]:
    """Expiring first first; lots that never expire last; then the oldest; the id breaks ties."""
    never = lot.expires_at is None
    return (never, lot.expires_at or lot.earned_at, lot.earned_at, lot.id)


def _take(lots: Iterable[Lot], amount: int) -> tuple[list[Take], int]:
    takes = []
    for lot in lots:
        if amount <= 0:
            break
        part = min(lot.remaining, amount)
        if part > 0:
            takes.append(Take(lot.id, part))
            amount -= part
    return takes, amount


def plan_spend(lots: Sequence[Lot], amount: int, at: datetime) -> tuple[list[Take], int]:
    """The takes that spend `amount` from spendable lots at `at`, and what they could not cover."""
    return _take(sorted((lot for lot in lots if lot.spendable(at)), key=spend_order), amount)


def plan_remove(lots: Sequence[Lot], amount: int, at: datetime) -> tuple[list[Take], int]:
    """Taking points away without spending them: spendable lots first, then pending ones; never expired ones."""
    live = [lot for lot in lots if lot.remaining > 0 and not lot.expired_by(at)]
    ordered = sorted((lot for lot in live if not lot.pending(at)), key=spend_order) + sorted(
        (lot for lot in live if lot.pending(at)), key=lambda lot: (lot.available_at, lot.id)
    )
    return _take(ordered, amount)


def plan_take_back(lots: Sequence[Lot], amount: int, at: datetime, purchase_id: str) -> TakeBack:
    """Take back `amount` a purchase earned: its own live lots first, then its expired part is written off (not
    taken twice), then other lots for the part the member already spent."""
    own = [lot for lot in lots if lot.purchase_id == purchase_id]
    own_live = [lot for lot in own if not lot.expired_by(at)]
    takes, left = _take(sorted(own_live, key=spend_order), amount)
    written_off = []
    for lot in sorted(own, key=spend_order):
        part = min(lot.unclaimed_expiry(at), left)
        if part > 0:
            written_off.append(Take(lot.id, part))
            left -= part
    others = [lot for lot in lots if lot.purchase_id != purchase_id]
    more, shortfall = plan_remove(others, left, at)
    return TakeBack(tuple(takes + more), tuple(written_off), shortfall)


def plan_expiry(lots: Iterable[Lot], at: datetime) -> list[Take]:
    """What expires at `at`: everything left in lots whose expiry has come."""
    return [Take(lot.id, lot.remaining) for lot in lots if lot.remaining > 0 and lot.expired_by(at)]


@dataclass(frozen=True)
class Standing:
    """A member's points at a moment, from their lots."""

    spendable: int
    pending: int
    overdue: int  # expired by now, not yet posted by an expiry run
    next_expiry_at: datetime | None
    next_expiry_points: int


def standing(lots: Iterable[Lot], at: datetime) -> Standing:
    spendable = pending = overdue = 0
    upcoming: dict[datetime, int] = {}
    for lot in lots:
        if lot.remaining <= 0:
            continue
        if lot.expired_by(at):
            overdue += lot.remaining
            continue
        if lot.pending(at):
            pending += lot.remaining
        else:
            spendable += lot.remaining
        if lot.expires_at is not None:
            upcoming[lot.expires_at] = upcoming.get(lot.expires_at, 0) + lot.remaining
    first = min(upcoming) if upcoming else None
    return Standing(spendable, pending, overdue, first, upcoming[first] if first else 0)


# --- a whole account: the reference model ---------------------------------------------------------------


class Insufficient(Exception):
    pass


@dataclass(frozen=True)
class Allocation:
    lot_id: str | None  # None: a debt (a take-back beyond every lot, where the business allows it)
    transaction: str
    amount: int  # + consumes the lot (or adds to the debt), - gives back
    kind: str
    at: datetime


@dataclass
class Book:
    """One member's lots, allocations and balance, moved only through the plans above."""

    lots: dict[str, Lot] = field(default_factory=dict)
    allocations: list[Allocation] = field(default_factory=list)
    balance: int = 0
    _serial: int = 0

    def _next(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial}"

    @property
    def debt(self) -> int:
        return sum(a.amount for a in self.allocations if a.lot_id is None)

    def _consume(self, takes: Iterable[Take], transaction: str, kind: str, at: datetime) -> None:
        for take in takes:
            lot = self.lots[take.lot_id]
            if take.amount > lot.remaining:
                raise AssertionError(f"lot {lot.id} consumed beyond what it holds")
            expired = lot.expired + take.amount if kind == "expire" else lot.expired
            self.lots[lot.id] = replace(lot, remaining=lot.remaining - take.amount, expired=expired)
            self.allocations.append(Allocation(lot.id, transaction, take.amount, kind, at))

    def _settle_debt(self, transaction: str, at: datetime) -> None:
        """Points coming in pay a debt first, from whatever live lots hold them."""
        if not self.debt:
            return
        takes, _ = plan_remove(list(self.lots.values()), self.debt, at)
        paid = sum(take.amount for take in takes)
        if paid:
            self._consume(takes, transaction, "settle", at)
            self.allocations.append(Allocation(None, transaction, -paid, "settle", at))

    def earn(
        self,
        amount: int,
        at: datetime,
        *,
        pending_until: datetime | None = None,
        expires_at: datetime | None = None,
        purchase_id: str | None = None,
    ) -> str:
        transaction = self._next("t")
        lot = Lot(self._next("lot"), amount, amount, at, pending_until or at, expires_at, purchase_id)
        self.lots[lot.id] = lot
        self.balance += amount
        self._settle_debt(transaction, at)
        return lot.id

    def spend(self, amount: int, at: datetime) -> str:
        takes, short = plan_spend(list(self.lots.values()), amount, at)
        if short:
            raise Insufficient()
        transaction = self._next("t")
        self._consume(takes, transaction, "spend", at)
        self.balance -= amount
        return transaction

    def cancel_spend(self, transaction: str, at: datetime) -> None:
        """Give back exactly what `transaction` took, to the same lots, with their dates."""
        used = [a for a in self.allocations if a.transaction == transaction and a.kind == "spend"]
        if any(a.transaction == f"undo:{transaction}" for a in self.allocations):
            return
        undo = f"undo:{transaction}"
        for allocation in used:
            assert allocation.lot_id is not None
            lot = self.lots[allocation.lot_id]
            self.lots[lot.id] = replace(lot, remaining=lot.remaining + allocation.amount)
            self.allocations.append(Allocation(lot.id, undo, -allocation.amount, "restore", at))
            self.balance += allocation.amount
        self._settle_debt(undo, at)

    def take_back(self, purchase_id: str, amount: int, at: datetime, *, allow_negative: bool = False) -> TakeBack:
        plan = plan_take_back(list(self.lots.values()), amount, at, purchase_id)
        transaction = self._next("t")
        self._consume(plan.takes, transaction, "take_back", at)
        for off in plan.written_off:
            lot = self.lots[off.lot_id]
            self.lots[lot.id] = replace(lot, written_off=lot.written_off + off.amount)
        self.balance -= plan.taken
        if allow_negative and plan.shortfall:
            self.allocations.append(Allocation(None, transaction, plan.shortfall, "debt", at))
            self.balance -= plan.shortfall
            return replace(plan, shortfall=0)
        return plan

    def expire(self, at: datetime) -> int:
        takes = plan_expiry(list(self.lots.values()), at)
        for take in takes:
            self._consume([take], self._next("t"), "expire", self.lots[take.lot_id].expires_at or at)
        total = sum(take.amount for take in takes)
        self.balance -= total
        return total

    def standing(self, at: datetime) -> Standing:
        return standing(self.lots.values(), at)
