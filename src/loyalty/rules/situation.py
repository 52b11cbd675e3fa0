"""One evaluation's view of the facts, prepared once and shared by every rule.

The basket knows its lines by code, department and tag, so a selector finds its lines without scanning the
sale, and it keeps the included shares per set of excluded means of payment: most rules exclude the same ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from loyalty.money import allocate
from loyalty.rules.facts import Context, Line, Member, Purchase, Trigger
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.outcome import LineShare
from loyalty.rules.wording import format_money, join_or

if TYPE_CHECKING:
    from loyalty.rules.selectors import ItemSelector

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
    paid_in: str = ""
    excluded_note: str = ""

    @property
    def limited(self) -> bool:
        """True when an excluded MOP was used, so the explanation should say what was left out."""
        return bool(self.excluded_mops)


class Basket:
    """A purchase with its loyalty discounts applied, indexed for selectors."""

    __slots__ = (
        "_by_code",
        "_by_department",
        "_by_tag",
        "_included",
        "exponent",
        "lines",
        "net",
        "purchase",
        "quantities",
        "spreads",
        "total",
    )

    def __init__(self, purchase: Purchase, line_discounts: Mapping[str, Decimal], exponent: int) -> None:
        self.purchase = purchase
        self.lines: tuple[Line, ...] = purchase.lines
        self.exponent = exponent
        self.net: tuple[Decimal, ...] = tuple(_net_amount(line, line_discounts) for line in purchase.lines)
        unknown = set(line_discounts) - {line.line_id for line in purchase.lines}
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValueError(f"discounts name lines that are not in the purchase: {names}")
        self.total: Decimal = sum(self.net, Decimal(0))
        self._by_code: dict[str, list[int]] = {}
        self._by_department: dict[str, list[int]] = {}
        self._by_tag: dict[str, list[int]] = {}
        # Indexed by the names as they are compared (`names.name_key`): "Dairy " finds "dairy".
        for index, line in enumerate(purchase.lines):
            self._by_code.setdefault(name_key(line.code), []).append(index)
            if line.department is not None:
                self._by_department.setdefault(name_key(line.department), []).append(index)
            for tag in name_keys(line.tags):
                self._by_tag.setdefault(tag, []).append(index)
        self._included: dict[frozenset[str], IncludedSpend] = {}
        self.quantities: tuple[Decimal, ...] = tuple(line.quantity for line in purchase.lines)
        # Per-line spreads of awards already computed in this evaluation (see actions._spread).
        self.spreads: dict[Hashable, tuple[LineShare, ...]] = {}

    @property
    def codes(self) -> Mapping[str, list[int]]:
        return self._by_code

    @property
    def departments(self) -> Mapping[str, list[int]]:
        return self._by_department

    @property
    def tags(self) -> Mapping[str, list[int]]:
        return self._by_tag

    def matching(self, selector: ItemSelector) -> list[int]:
        """The indices of the lines the selector matches, in line order."""
        found: set[int] = set()
        for names, lines_by_name in (
            (selector.code_keys, self._by_code),
            (selector.department_keys, self._by_department),
            (selector.tag_keys, self._by_tag),
        ):
            # Walk the smaller side: a selector may list hundreds of codes, a basket has a few dozen lines.
            if len(names) <= len(lines_by_name):
                for name in names:
                    found.update(lines_by_name.get(name, ()))
            else:
                for name, indices in lines_by_name.items():
                    if name in names:
                        found.update(indices)
        return sorted(found)

    def eligible(self, items: ItemSelector | None, exclude: ItemSelector | None) -> list[int]:
        """Lines that match `items` (all lines when None) and do not match `exclude`."""
        chosen = list(range(len(self.lines))) if items is None else self.matching(items)
        if exclude is None or not chosen:
            return chosen
        excluded = set(self.matching(exclude))
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
        paid_excluded = format_money(excluded_paid, self.exponent)
        return IncludedSpend(
            shares=shares,
            included=included,
            excluded_paid=excluded_paid,
            included_mops=included_names,
            excluded_mops=excluded_names,
            paid_in=f" paid in {join_or(included_names)}" if included_names else "",
            excluded_note=f" ({paid_excluded} paid with {join_or(excluded_names)} excluded)",
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

    @property
    def branch_id(self) -> str | None:
        if self.basket is not None:
            return self.basket.purchase.branch_id
        return self.trigger.branch_id
