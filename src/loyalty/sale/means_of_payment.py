"""The means of payment a business takes for what points do not pay: cash, card, voucher… as it names them.

The till offers them, in this order, and reports each payment under that name as the purchase's MOP, so a
rule's `exclude_mops` can name them. `points` and `credit` are the member's own and paid through the
loyalty account, never typed as a means of payment.
"""

from __future__ import annotations

from collections.abc import Sequence

from loyalty.errors import InvalidInput

RESERVED = frozenset({"points", "credit"})
MAX_COUNT = 20
MAX_LENGTH = 64


def checked(names: Sequence[str], *, field: str = "means_of_payment") -> list[str]:
    """The list as stored: trimmed names, at least one, none twice (in any case), none reserved."""
    if not names:
        raise InvalidInput(field, "needs at least one means of payment, like cash")
    if len(names) > MAX_COUNT:
        raise InvalidInput(field, f"takes at most {MAX_COUNT} means of payment")
    kept: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(names):
        name = " ".join(str(raw).split())
        where = f"{field}.{index}"
        if not name:
            raise InvalidInput(where, "is empty")
        if len(name) > MAX_LENGTH:
            raise InvalidInput(where, f"is longer than {MAX_LENGTH} characters")
        if name.lower() in RESERVED:
            raise InvalidInput(where, f"{name!r} is paid through the loyalty account, not named here")
        if name.lower() in seen:
            raise InvalidInput(where, f"{name!r} is listed twice")
        seen.add(name.lower())
        kept.append(name)
    return kept
