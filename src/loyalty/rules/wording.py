"""How numbers and selectors read in explanations a cashier sees."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from loyalty.money import quantize_money

__all__ = ["format_money", "format_number", "format_points", "join_or", "points_word"]


def format_number(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 10 -> "10", 2.50 -> "2.5", 0.01 -> "0.01"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def format_money(amount: Decimal, exponent: int) -> str:
    """Money with exactly the currency's decimals: "15.00"."""
    return str(quantize_money(amount, exponent))


def format_points(points: Decimal, decimals: int) -> str:
    """Points as a cashier reads them: whole ones bare ("30"), others at the business precision ("1.50")."""
    if points == points.to_integral_value():
        return str(int(points))
    return str(points.quantize(Decimal(1).scaleb(-decimals)))


def points_word(points: Decimal) -> str:
    return "point" if points == 1 else "points"


def join_or(names: Iterable[str]) -> str:
    """ "dairy", "dairy or cheese", "A, B or C"."""
    ordered = sorted(names)
    if len(ordered) <= 1:
        return "".join(ordered)
    return f"{', '.join(ordered[:-1])} or {ordered[-1]}"
