"""JSON text of what is stored and answered: written by orjson (a purchase writes half a dozen JSON values, which
the standard library takes several times as long to write), read back by the standard library.

The text is compact and keeps non-ASCII characters as they are (valid JSON either way: a reader sees the same
values). What orjson refuses (an integer beyond 64 bits a client sent in free-form data) is written by the standard
library, so every value it can write is still written.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS  # keys as the standard library writes them: {1: ...} -> {"1": ...}


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))
