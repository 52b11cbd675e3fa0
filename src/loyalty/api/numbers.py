"""Amounts as a request carries them: plain ASCII decimals ("12.50"), or JSON numbers.

Pydantic reads "1_000", full-width "１０" and "1e3" as numbers, as Python's Decimal does; a till or a person typing
them means something else, so they are a 422 naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator

from loyalty.money import is_plain_decimal


def _plain(value: Any) -> Any:
    if isinstance(value, str) and not is_plain_decimal(value):
        raise ValueError("must be a plain decimal number in ASCII digits, like 12.50")
    return value


Plain = Annotated[Decimal, BeforeValidator(_plain)]
