"""What a till's registration sends beyond loyalty's own member fields, kept as it came: `gender`, `anniversary`
and Como's generic fields (`genericString1`, `genericDate1`, `genericCheckBox1`…). Shown with the member (Como's
`membership`, `/v1`'s `attributes`), never used by a rule: tags stay the business's own to set."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from loyalty.errors import InvalidInput

MAX_ATTRIBUTES = 30
MAX_TEXT = 254
# The names a member attribute may have: the two Como fields loyalty has no column for, and the generic ones.
NAME = re.compile(r"^(gender|anniversary|generic[A-Za-z]{1,20}[0-9]{0,3})$")


def normalise(raw: Mapping[str, Any] | None, *, field: str = "attributes") -> dict[str, str | bool | int] | None:
    """The attributes to keep, or None when none were sent; InvalidInput naming the first bad one."""
    if not raw:
        return None
    if len(raw) > MAX_ATTRIBUTES:
        raise InvalidInput(field, f"at most {MAX_ATTRIBUTES} attributes")
    kept: dict[str, str | bool | int] = {}
    for name, value in raw.items():
        where = f"{field}.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            raise InvalidInput(field, f"{str(name)[:40]!r} is not a member attribute (gender, anniversary, generic…)")
        if value is None or value == "":
            continue
        if isinstance(value, bool) or (isinstance(value, int) and abs(value) < 10**15):
            kept[name] = value
        elif isinstance(value, str) and len(value) <= MAX_TEXT and value.isprintable():
            kept[name] = value.strip()
        else:
            raise InvalidInput(where, f"must be a text of at most {MAX_TEXT} characters, a number or true/false")
    return kept or None


def merged(
    held: Mapping[str, Any] | None, sent: Mapping[str, Any], *, field: str = "attributes"
) -> dict[str, Any] | None:
    """The member's attributes after a change: `sent`'s values replace those held, an empty one (null or "") removes
    its attribute, the others stay."""
    if not isinstance(sent, Mapping):
        raise InvalidInput(field, "must be an object of attributes")
    emptied = {name for name, value in sent.items() if value is None or value == ""}
    kept = {name: value for name, value in (held or {}).items() if name not in emptied}
    kept |= normalise({name: value for name, value in sent.items() if name not in emptied}, field=field) or {}
    normalise(kept, field=field)  # the whole still within the limits
    return kept or None
