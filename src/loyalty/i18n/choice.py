"""Which language to speak: one of the four, from a choice someone made or a browser's Accept-Language."""

from __future__ import annotations

from typing import Final, Literal

from loyalty.errors import InvalidInput

__all__ = ["LANGUAGES", "Language", "checked", "choose", "parse_language"]

Language = Literal["en", "fr", "de", "it"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "fr", "de", "it")


def parse_language(value: str | None) -> Language | None:
    """ "fr", "fr-CH", "FR_ch" -> "fr"; anything else (or nothing) -> None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    for language in LANGUAGES:
        if primary == language:
            return language
    return None


def choose(accept_language: str | None, default: str | None) -> Language:
    """The first of our languages the header accepts, by its weights (RFC 9110), else `default`, else English."""
    wanted: list[tuple[float, int, Language]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        language = parse_language(tag)
        if language is None:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, raw = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(raw)
                except ValueError:
                    weight = 0.0
        if weight > 0:
            wanted.append((-weight, position, language))
    if wanted:
        return min(wanted)[2]
    return parse_language(default) or "en"


def checked(value: object, field: str) -> Language:
    """One of our languages exactly as written ("fr"), or a 422 naming the field."""
    for language in LANGUAGES:
        if value == language:
            return language
    raise InvalidInput(field, f"must be one of {', '.join(LANGUAGES)}")
