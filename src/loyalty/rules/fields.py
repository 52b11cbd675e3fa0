"""Reading JSON fields of rules and benefits, with errors that name the field and say what is allowed.

Amounts arrive as strings ("1.00"), ints, or Decimals (the HTTP edge parses JSON numbers as Decimal); a float
means precision was already lost, so it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

from loyalty.money import POINTS_EXPONENT, is_plain_decimal
from loyalty.rules.selectors import ItemSelector

__all__ = [
    "LIST_MAX",
    "FieldInvalid",
    "amount_field",
    "no_unknown_fields",
    "object_field",
    "points_field",
    "positive_int_field",
    "quantity_field",
    "selector_field",
    "selector_to_dict",
    "text_field",
    "texts_field",
]

SELECTOR_KEYS: Final[tuple[str, ...]] = ("codes", "departments", "tags")
_TEXT_MAX = 200
# The longest list a rule or benefit may hold (codes, departments, tags, branches, means of payment), as the
# published schema says: a selector of 200,000 codes would be kept and matched against every sale line.
LIST_MAX = 50


class FieldInvalid(ValueError):
    """A field of a rule or benefit is not acceptable. `field` is a dotted path such as `actions.0.per`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def path(*parts: str | int) -> str:
    return ".".join(str(part) for part in parts if part != "")


def object_field(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise FieldInvalid(where or "(body)", "must be a JSON object")
    return value


def no_unknown_fields(data: Mapping[str, object], allowed: tuple[str, ...], where: str, what: str) -> None:
    """Refuse a key that is not allowed; a null value is taken as absent."""
    for key, value in data.items():
        if key not in allowed and value is not None:
            fields = ", ".join(allowed)
            raise FieldInvalid(path(where, key), f"is not a field of {what}; the fields are {fields}")


def _decimal(value: object, where: str, expected: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        kind = "a float (send amounts as strings)" if isinstance(value, float) else type(value).__name__
        raise FieldInvalid(where, f"must be {expected}, not {kind}")
    if isinstance(value, str) and not is_plain_decimal(value):
        # "1_000", full-width digits and "1e3" are numbers to Python, not to a person reading the rule
        raise FieldInvalid(where, f"must be {expected} in plain digits (like 12.50), not {value!r}")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise FieldInvalid(where, f"must be {expected}, not {value!r}") from None
    if not number.is_finite():
        raise FieldInvalid(where, f"must be {expected}, not {value!r}")
    return number


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def amount_field(value: object, where: str, *, exponent: int, positive: bool = False) -> Decimal:
    """Money: zero or more (more than zero if `positive`), at most the currency's decimals, quantized to them
    ("1" -> "1.00")."""
    example = str(Decimal(1).quantize(Decimal(1).scaleb(-exponent)))
    expected = f'a positive amount like "{example}"'
    if not positive:
        expected = f'an amount like "{example}", zero or more'
    number = _decimal(value, where, expected)
    if number < 0 or (positive and number == 0):
        raise FieldInvalid(where, f"must be {expected}")
    quantized = number.quantize(Decimal(1).scaleb(-exponent))
    if quantized != number:
        raise FieldInvalid(where, f"has more decimals than the currency's {exponent}")
    return quantized


def points_field(value: object, where: str, *, positive: bool = False) -> Decimal:
    """Points: zero or more (or more than zero), at most two decimals (points are kept in hundredths)."""
    bound = "more than zero" if positive else "zero or more"
    expected = f'a number of points like "10" or "2.5", {bound}'
    number = _decimal(value, where, expected)
    if number < 0 or (positive and number == 0):
        raise FieldInvalid(where, f"must be {expected}")
    if _decimals(number.normalize()) > POINTS_EXPONENT:
        raise FieldInvalid(where, f"has more than {POINTS_EXPONENT} decimals: points count in hundredths")
    return _plain(number)


def quantity_field(value: object, where: str, *, positive: bool, expected: str) -> Decimal:
    """A plain decimal quantity or percentage."""
    number = _decimal(value, where, expected)
    if number < 0 or (positive and number == 0):
        raise FieldInvalid(where, f"must be {expected}")
    return _plain(number)


def positive_int_field(value: object, where: str, expected: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise FieldInvalid(where, f"must be {expected}")
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise FieldInvalid(where, f"must be {expected}")
    number = int(value)
    if number < 1:
        raise FieldInvalid(where, f"must be {expected}")
    return number


def text_field(value: object, where: str, what: str = "a non-empty text") -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldInvalid(where, f"must be {what}")
    text = value.strip()
    if len(text) > _TEXT_MAX:
        raise FieldInvalid(where, f"must be at most {_TEXT_MAX} characters")
    return text


def texts_field(value: object, where: str, what: str) -> frozenset[str]:
    """A non-empty list of non-empty texts."""
    if not isinstance(value, list) or not value:
        raise FieldInvalid(where, f"must be a non-empty list of {what}")
    if len(value) > LIST_MAX:
        raise FieldInvalid(where, f"must list at most {LIST_MAX} {what}")
    return frozenset(text_field(item, path(where, i), f"one of {what}") for i, item in enumerate(value))


def selector_field(value: object, where: str, extra: tuple[str, ...] = ()) -> ItemSelector:
    """`{"codes": [...], "departments": [...], "tags": [...]}` with at least one name listed."""
    data = object_field(value, where)
    no_unknown_fields(data, SELECTOR_KEYS + extra, where, "an item selector")
    lists: dict[str, frozenset[str]] = {}
    for key in SELECTOR_KEYS:
        raw = data.get(key)
        if raw is None or raw == []:
            lists[key] = frozenset()
        else:
            lists[key] = texts_field(raw, path(where, key), key)
    if not any(lists.values()):
        raise FieldInvalid(where, "must list at least one code, department or tag")
    return ItemSelector(codes=lists["codes"], departments=lists["departments"], tags=lists["tags"])


def selector_to_dict(selector: ItemSelector) -> dict[str, object]:
    """The canonical JSON form of a selector: only the lists that name something, sorted."""
    return {
        key: sorted(names)
        for key, names in (
            ("codes", selector.codes),
            ("departments", selector.departments),
            ("tags", selector.tags),
        )
        if names
    }


def plain(number: Decimal) -> str:
    """The canonical text of a points, percentage or quantity value: "10", "2.5", "0.01"."""
    return format(_plain(number), "f")


def _plain(number: Decimal) -> Decimal:
    normalized = number.normalize()
    # normalize() writes 10 as 1E+1; put whole numbers back to exponent 0 so they print as "10".
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral_value() else normalized


HH_MM: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
