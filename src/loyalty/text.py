"""Text that is not text: a NUL or a lone surrogate (half of a UTF-16 pair) in what a client sends.

Python reads `"\\ud800"` from JSON into a `str` that no encoder accepts, and PostgreSQL stores no NUL: either, let
through, became a 500 (or a 503 "please retry" on PostgreSQL) and, once stored, broke every later answer that
carried it. They are refused where a request is read, naming the field, before anything is stored.
"""

from __future__ import annotations

import re
from typing import Any

from loyalty.errors import InvalidInput

_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
MAX_DEPTH = 64  # a body nested deeper than this is refused as a whole


def is_text(value: str) -> bool:
    return _NOT_TEXT.search(value) is None


def not_text_in(value: Any, path: str = "") -> str | None:
    """The path (`items.0.name`, or `body` for the whole) of the first key or string in a parsed JSON value that is
    not text; None when every one is."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        current, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where or "body"
        if isinstance(current, str):
            if not is_text(current):
                return where or "body"
        elif isinstance(current, dict):
            for key, item in current.items():
                inside = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and not is_text(key):
                    return where or "body"  # the key itself cannot be printed back
                stack.append((item, inside, depth + 1))
        elif isinstance(current, list):
            stack.extend(
                (item, f"{where}.{index}" if where else str(index), depth + 1) for index, item in enumerate(current)
            )
    return None


def check(value: str | None, field: str, *, max_length: int | None = None) -> None:
    """A service's own check of one text it stores: printable as text, and as long as its column allows."""
    if value is None:
        return
    if not is_text(value):
        raise InvalidInput(field, "is not text: it holds a NUL or half of a UTF-16 surrogate pair")
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
