"""The language the reader of an answer asked for (a request's Accept-Language), for the services that word it.

Doors set it once per request (`asking`); a service that writes explanations or a history for a business asks
`speech_for(business)`: the asked language if it is one of ours, else the business's. Services stay free of HTTP:
what they see is a header's text or nothing, and outside a request (the CLI, a worker) nothing was asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from loyalty.i18n.choice import choose, parse_language
from loyalty.i18n.speech import Speech

__all__ = ["asked", "asking", "speech_for"]

_asked: ContextVar[str | None] = ContextVar("loyalty_accept_language", default=None)


def asked() -> str | None:
    return _asked.get()


@contextmanager
def asking(accept_language: str | None) -> Iterator[None]:
    token = _asked.set(accept_language)
    try:
        yield
    finally:
        _asked.reset(token)


def speech_for(business: Any, language: str | None = None) -> Speech:
    """How to speak to this business's reader: `language` if given (a member's), else the request's
    Accept-Language, else the business's language; in the business's country's formats."""
    default = getattr(business, "language", None) or "en"
    return _speech(language, _asked.get(), default, getattr(business, "country", None) or "CH")


@lru_cache(maxsize=1024)
def _speech(language: str | None, asked: str | None, default: str, country: str) -> Speech:
    """Pure, and asked several times an answer (a purchase words each award): parsing the header and making the
    Speech once per spelling. Bounded: the header is the client's."""
    return Speech.of(parse_language(language) or choose(asked, default), country)
