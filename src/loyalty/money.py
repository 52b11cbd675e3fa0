"""Exact money and points arithmetic: Decimal in memory, integers at rest, every rounding named.

- `D()` builds a Decimal from a string, an int or a Decimal and refuses floats: a float has already lost the
  cents it was meant to carry ("never use floating point in an accounting system").
- Amounts are quantized with banker's rounding (`ROUND_HALF_EVEN`); earned points are cut down with
  `ROUND_FLOOR`, so a member never earns a fraction the rule did not give.
- The database keeps money in minor units (cents) and points in hundredths, both as integers; the converters
  refuse a value that does not fit exactly instead of rounding it silently.
- `allocate()` splits a total over weights by largest remainder: the shares always add up to the total.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from functools import lru_cache, reduce

__all__ = [
    "POINTS_EXPONENT",
    "D",
    "allocate",
    "currency_exponent",
    "floor_points",
    "from_minor",
    "hundredths_to_points",
    "is_plain_decimal",
    "points_to_hundredths",
    "quantize_money",
    "to_minor",
]

# Points are stored as integer hundredths: the finest points precision a business can choose.
POINTS_EXPONENT = 2

# ISO 4217 minor units that differ from the usual 2. Anything not listed has cents.
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # no minor unit in use
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    # thousandths
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def D(value: str | int | Decimal) -> Decimal:
    """A finite Decimal from a string ("12.50"), an int or a Decimal. Floats raise TypeError."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool) or not isinstance(value, (str, int)):
        # bool is an int subclass, and True is not an amount.
        raise TypeError(f"an amount must be a str, int or Decimal, not {type(value).__name__}")
    elif isinstance(value, int):
        result = Decimal(value)
    else:
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


# An amount as a person writes it, in ASCII: "12", "-3.50", ".5". Not "1_000", "１０" (full width) or "1e3", which
# Python's Decimal reads as numbers too.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def is_plain_decimal(text: str) -> bool:
    return _PLAIN_DECIMAL.fullmatch(text.strip(" ")) is not None


_UNITS = tuple(Decimal(1).scaleb(-exponent) for exponent in range(7))
# Allocation multiplies and divides exactly: a result that would need rounding raises (Inexact is trapped).
_EXACT = Context(prec=100, traps=[Inexact, InvalidOperation, Overflow, DivisionByZero])


def _unit(exponent: int) -> Decimal:
    if not 0 <= exponent <= 6:
        raise ValueError(f"exponent must be between 0 and 6, not {exponent}")
    return _UNITS[exponent]


def quantize_money(amount: Decimal, exponent: int = 2) -> Decimal:
    """`amount` rounded to `exponent` decimals with banker's rounding (ROUND_HALF_EVEN)."""
    return amount.quantize(_unit(exponent), rounding=ROUND_HALF_EVEN)


def floor_points(value: Decimal, decimals: int) -> Decimal:
    """Points cut down (ROUND_FLOOR) to `decimals` places: earning never rounds up."""
    return value.quantize(_unit(decimals), rounding=ROUND_FLOOR)


def to_minor(amount: Decimal, exponent: int) -> int:
    """`amount` as an integer count of minor units (12.50 at exponent 2 -> 1250). Raises if it won't fit."""
    scaled = amount.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {exponent} decimals")
    return int(scaled)


def from_minor(minor: int, exponent: int) -> Decimal:
    """The Decimal amount of `minor` minor units (1250 at exponent 2 -> Decimal("12.50"))."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor units must be an int, not {type(minor).__name__}")
    _unit(exponent)
    return Decimal(minor).scaleb(-exponent, _EXACT)


def points_to_hundredths(points: Decimal) -> int:
    """Points as the integer hundredths the database stores. Raises for a finer value."""
    return to_minor(points, POINTS_EXPONENT)


def hundredths_to_points(hundredths: int) -> Decimal:
    """The Decimal points of a stored integer count of hundredths."""
    return from_minor(hundredths, POINTS_EXPONENT)


@lru_cache(maxsize=256)  # pure; asked several times per purchase
def currency_exponent(code: str) -> int:
    """The number of decimals of an ISO 4217 currency (JPY 0, KWD 3, most others 2)."""
    normalized = code.strip().upper()
    if len(normalized) != 3 or not normalized.isalpha():
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return _EXPONENT_EXCEPTIONS.get(normalized, 2)


def allocate(total: Decimal, weights: Sequence[Decimal], exponent: int) -> list[Decimal]:
    """Split `total` over `weights` in proportion, in units of 10**-exponent, by largest remainder.

    The shares add up to `total` exactly. Each share is the floor of its exact proportion, and the units left
    over go one each to the largest remainders; equal remainders go to the lower index, so the result never
    depends on anything but the inputs. Weights must be non-negative; when they are all zero the total is
    split equally. A negative total is split like its absolute value and the shares negated.
    """
    if not weights:
        if total:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if min(weights) < 0:
        raise ValueError("weights must not be negative")
    units = to_minor(total, exponent)
    sign = -1 if units < 0 else 1
    units = abs(units)
    if len(weights) == 1:
        return [from_minor(sign * units, exponent)]
    weight_sum = reduce(_EXACT.add, weights, Decimal(0))
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    # Exact Decimal arithmetic: floor(units * weight / sum) and its remainder, without any rounding.
    scaled, divmod_, multiply = Decimal(units), _EXACT.divmod, _EXACT.multiply
    exact = [divmod_(multiply(scaled, weight), weight_sum) for weight in weights]
    shares = [int(share) for share, _ in exact]
    left_over = units - sum(shares)
    if left_over:
        # Largest remainder first; the lower index wins a tie.
        ranked = sorted(range(len(shares)), key=lambda index: (-exact[index][1], index))
        for index in ranked[:left_over]:
            shares[index] += 1
    scaleb = _EXACT.scaleb
    power = Decimal(-exponent)
    return [scaleb(Decimal(sign * share), power) for share in shares]
