"""Which phone numbers a business sends texts to: those of its allowed countries (`text_countries`, by default
its own country only). A text to a number abroad costs the business many times more and reaches people who are
most likely strangers, so whoever can type a number (a join, a login, a till) cannot make the business text the
world."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import phonenumbers

from loyalty.errors import InvalidInput

MAX_COUNTRIES = 50


def countries(business: Any) -> list[str]:
    """The countries whose numbers the business texts."""
    return list(business.text_countries or [business.country.upper()])


def may_text(business: Any, phone: str | None) -> bool:
    """Whether a text may go to `phone` (E.164), by its country."""
    if not phone:
        return False
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        return False
    return region in countries(business)


def checked(raw: Iterable[Any] | None) -> list[str] | None:
    """The `text_countries` setting as stored: ISO country codes, upper case, without duplicates; None (the
    business's own country) for null or an empty list. InvalidInput naming the entry otherwise."""
    if raw is None:
        return None
    found: list[str] = []
    for index, code in enumerate(raw):
        if not isinstance(code, str) or code.strip().upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidInput(f"text_countries.{index}", "must be a two-letter country code, such as CH")
        if code.strip().upper() not in found:
            found.append(code.strip().upper())
    if len(found) > MAX_COUNTRIES:
        raise InvalidInput("text_countries", f"at most {MAX_COUNTRIES} countries")
    return found or None
