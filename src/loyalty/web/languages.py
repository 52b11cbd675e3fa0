"""The language a page speaks: `?lang=` (remembered in a cookie: a cashier's choice stays with the till's
browser), else that cookie, else the browser's Accept-Language, else English.

A page does not know its business (the key stays in the browser), so its formats take the region the browser
names for that language (`fr-FR`) and otherwise Switzerland's, the house's home: `1'234,50 CHF`, `6.12.2026`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request

from loyalty.i18n import LANGUAGES, Speech, choose, parse_language
from loyalty.i18n.catalogues import translations

__all__ = ["COOKIE", "chosen", "face_data", "speaking", "speech"]

COOKIE = "loyalty_lang"
_speech: ContextVar[Speech | None] = ContextVar("loyalty_page_speech", default=None)


def chosen(request: Request) -> tuple[Speech, str | None]:
    """The page's speech, and the language to remember (a `?lang=` just chosen) or None."""
    asked = parse_language(request.query_params.get("lang"))
    remembered = parse_language(request.cookies.get(COOKIE))
    header = request.headers.get("accept-language")
    language = asked or remembered or choose(header, "en")
    return Speech.of(language, _region(header, language)), asked


def _region(header: str | None, language: str) -> str:
    """The region the browser pairs with this language ("fr-FR" -> FR), else CH."""
    for part in (header or "").split(","):
        tag = part.split(";", 1)[0].strip().replace("_", "-")
        primary, _, region = tag.partition("-")
        if primary.lower() == language and len(region) == 2 and region.isalpha():
            return region.upper()
    return "CH"


def english() -> Speech:
    return Speech.of("en")


@contextmanager
def speaking(speech: Speech) -> Iterator[None]:
    token = _speech.set(speech)
    try:
        yield
    finally:
        _speech.reset(token)


def speech() -> Speech:
    return _speech.get() or Speech.of("en")


def gettext(message: str) -> str:
    """Jinja's `_()` and `gettext()` in the page's language (Jinja's new style fills `%(name)s` fields)."""
    return speech().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return speech().ngettext(singular, plural, count)


def face_data(current: Speech) -> dict[str, Any]:
    """What a page's scripts need to speak: the language, its words, and how its numbers are written."""
    symbols = current.locale.number_symbols.get("latn", current.locale.number_symbols)
    words = translations(current.language)
    catalogue = getattr(words, "_catalog", {})
    messages = {key: value for key, value in catalogue.items() if isinstance(key, str) and key and value != key}
    english = current.language == "en"
    return {
        "lang": current.language,
        "locale": current.tag,
        "languages": list(LANGUAGES),
        # English keeps the house's display (thin-space groups, a point); the others write as CLDR has them.
        "group": "\u2009" if english else symbols.get("group", ","),
        "decimal": "." if english else symbols.get("decimal", "."),
        "messages": messages,
    }
