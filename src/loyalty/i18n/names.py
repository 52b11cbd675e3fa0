"""Translations of a name a marketer writes (`names`: `{"fr": "…", "de": "…"}`), checked where they are stored."""

from __future__ import annotations

from typing import Any

from loyalty import text
from loyalty.errors import InvalidInput
from loyalty.i18n.choice import LANGUAGES
from loyalty.rules.written import name_in, translations_of

__all__ = ["checked_names", "name_in", "names_out", "translations_of"]


def checked_names(value: object, field: str = "names", *, max_length: int = 200) -> dict[str, str] | None:
    """`names` as stored: only our languages as keys, each a text as long as the name may be; an empty one (or
    null) is left out, so that language falls back to the written name. A 422 naming the field otherwise."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput(field, 'must be an object of names by language, e.g. {"fr": "…"}')
    kept: dict[str, str] = {}
    for language, name in value.items():
        where = f"{field}.{language}" if isinstance(language, str) and len(language) <= 16 else field
        if language not in LANGUAGES:
            raise InvalidInput(where, f"is not a language: the keys of {field} are {', '.join(LANGUAGES)}")
        if name is None:
            continue
        if not isinstance(name, str):
            raise InvalidInput(where, "must be a text")
        text.check(name, where, max_length=max_length)
        if name.strip():
            kept[language] = name.strip()
    return kept or None


def names_out(value: Any) -> dict[str, str]:
    """`names` as the API answers it: always an object, empty when there are none."""
    return dict(translations_of(value))
