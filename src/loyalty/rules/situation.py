"""One evaluation's view of the facts, prepared once and shared by every rule.

The basket knows its lines by code, department and tag, so a selector finds its lines without scanning the
sale, and it keeps the included shares per set of excluded means of payment: most rules exclude the same ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from loyalty.money import allocate
from loyalty.rules.facts import Context, Line, Member, Purchase, Trigger, paid_quantity
from loyalty.rules.message import Amount, Names, Value, msg
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.outcome import LineShare
from loyalty.rules.selectors import ItemSelector, LineKey

__all__ = ["Basket", "IncludedSpend", "Situation"]


@dataclass(frozen=True, slots=True)
class IncludedSpend:
    """How much of each line counts for an action that excludes some means of payment.

    `shares[i]` is line i's amount after loyalty discounts times the included share S, spread by largest
    remainder so that the shares add up exactly to `included`. When no payment used an excluded MOP, the
    shares are the line amounts themselves (S = 1) and `excluded_paid` is zero.
    """

    shares: tuple[Decimal, ...]
    included: Decimal
    excluded_paid: Decimal
    included_mops: tuple[str, ...]
    excluded_mops: tuple[str, ...]
    # How the explanation of an award says it, worked out once per set of excluded MOPs:
    # " paid in cash" and " (20.00 paid with points excluded)", both empty when no excluded MOP was used.
    paid_in: Value = ""
    excluded_note: Value = ""
    # The sum of every line's share, added up in line order: what an action on the whole sale counts.
    whole_sale: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "whole_sale", sum(self.shares, Decimal(0)))

    @property
    def limited(self) -> bool:
        """True when an excluded MOP was used, so the explanation should say what was left out."""
        return bool(self.excluded_mops)


class Basket:
    """A purchase with its loyalty discounts applied, indexed for selectors."""

    __slots__ = (
        "_by_key",
        "_included",
        "everything",
        "exponent",
        "lines",
        "net",
        "purchase",
        "quantities",
        "spreads",
        "total",
    )

    def __init__(self, purchase: Purchase, line_discounts: Mapping[str, Decimal], exponent: int) -> None:
        lines = purchase.lines
        self.purchase = purchase
        self.lines: tuple[Line, ...] = lines
        self.exponent = exponent
        if line_discounts:
            self.net: tuple[Decimal, ...] = tuple(_net_amount(line, line_discounts) for line in lines)
            unknown = set(line_discounts) - {line.line_id for line in lines}
            if unknown:
                names = ", ".join(sorted(unknown))
                raise ValueError(f"discounts name lines that are not in the purchase: {names}")
        else:
            self.net = tuple([line.amount for line in lines])
        self.total: Decimal = sum(self.net, Decimal(0))
        # The lines by the keys selectors name them by, each line's names normalised once (`names.name_key`):
        # "Dairy " finds "dairy". Each list is in line order.
        by_key: dict[LineKey, list[int]] = {}
        for index, line in enumerate(lines):
            by_key.setdefault(("code", name_key(line.code)), []).append(index)
            if line.department is not None:
                by_key.setdefault(("department", name_key(line.department)), []).append(index)
            if line.tags:
                for tag in name_keys(line.tags):
                    by_key.setdefault(("tag", tag), []).append(index)
        self._by_key = by_key
        # Every line, for actions on the whole sale.
        self.everything: tuple[int, ...] = tuple(range(len(lines)))
        self._included: dict[frozenset[str], IncludedSpend] = {}
        # What each line counts for in quantity (repeat points, punches): its units less those loyalty discounts made
        # wholly free (a till merges a reward coffee with a paid one into one line of 2).
        self.quantities: tuple[Decimal, ...] = tuple(
            [paid_quantity(line, net) for line, net in zip(lines, self.net, strict=True)]
        )
        # Per-line spreads of awards already computed in this evaluation (see actions._spread).
        self.spreads: dict[Hashable, tuple[LineShare, ...]] = {}

    @property
    def keys(self) -> Iterable[LineKey]:
        """The keys the lines of the sale are selected by."""
        return self._by_key.keys()

    def matching(self, selector: ItemSelector) -> Sequence[int]:
        """The indices of the lines the selector matches, in line order. Read-only: it may be the basket's own."""
        names, by_key = selector.keys, self._by_key
        found: list[list[int]] = []
        # Walk the smaller side: a selector may list hundreds of codes, a basket has a few dozen lines.
        if len(names) <= len(by_key):
            for name in names:
                indices = by_key.get(name)
                if indices is not None:
                    found.append(indices)
        else:
            found.extend(indices for name, indices in by_key.items() if name in names)
        if len(found) == 1:
            return found[0]  # one name's lines, already in line order
        return sorted(set().union(*found)) if found else ()

    def eligible(self, items: ItemSelector | None, exclude: ItemSelector | None) -> Sequence[int]:
        """Lines that match `items` (all lines when None) and do not match `exclude`."""
        chosen = self.everything if items is None else self.matching(items)
        if exclude is None or not chosen:
            return chosen
        excluded = self.matching(exclude)
        if not excluded:
            return chosen
        return [index for index in chosen if index not in excluded]

    def included(self, excluded_mops: frozenset[str]) -> IncludedSpend:
        """The per-line included amounts for an action excluding `excluded_mops` (see IncludedSpend)."""
        cached = self._included.get(excluded_mops)
        if cached is None:
            cached = self._included[excluded_mops] = self._compute_included(name_keys(excluded_mops))
        return cached

    def _compute_included(self, excluded_mops: frozenset[str]) -> IncludedSpend:
        payments = self.purchase.payments
        excluded = [payment for payment in payments if name_key(payment.mop) in excluded_mops]
        if not excluded:
            return IncludedSpend(self.net, self.total, Decimal(0), _names(p.mop for p in payments), ())
        others = [payment for payment in payments if name_key(payment.mop) not in excluded_mops]
        paid_otherwise = sum((payment.amount for payment in others), Decimal(0))
        # S = paid with included MOPs / total after discounts, at most 1; spread over the lines by amount.
        included = min(paid_otherwise, self.total)
        shares = tuple(allocate(included, self.net, self.exponent)) if self.lines else ()
        included_names = _names(payment.mop for payment in others)
        excluded_names = _names(payment.mop for payment in excluded)
        excluded_paid = sum((payment.amount for payment in excluded), Decimal(0))
        paid_excluded = Amount(excluded_paid, self.exponent)
        return IncludedSpend(
            shares=shares,
            included=included,
            excluded_paid=excluded_paid,
            included_mops=included_names,
            excluded_mops=excluded_names,
            paid_in=msg(" paid in {mops}", mops=Names(included_names)) if included_names else "",
            excluded_note=msg(
                " ({amount} paid with {mops} excluded)", amount=paid_excluded, mops=Names(excluded_names)
            ),
        )


def _net_amount(line: Line, line_discounts: Mapping[str, Decimal]) -> Decimal:
    discount = line_discounts.get(line.line_id)
    if discount is None:
        return line.amount
    if discount < 0 or discount > line.amount:
        raise ValueError(f"the discount {discount} on line {line.line_id} is outside 0..{line.amount}")
    return line.amount - discount


def _names(mops: Iterable[str]) -> tuple[str, ...]:
    """Distinct names in first-seen order."""
    return tuple(dict.fromkeys(mops))


@dataclass(frozen=True, slots=True)
class Situation:
    """All one evaluation looks at: the basket (None outside purchases), member, trigger, clock, settings."""

    basket: Basket | None
    member: Member
    trigger: Trigger
    at: datetime
    local_time: datetime
    context: Context
    # The member's tags as rules compare them (`names.name_key`), worked out once for every rule.
    member_tag_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "member_tag_keys", name_keys(self.member.tags))

    @property
    def branch_id(self) -> str | None:
        if self.basket is not None:
            return self.basket.purchase.branch_id
        return self.trigger.branch_id
