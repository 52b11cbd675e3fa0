"""What making and using codes share: the normal form a code is kept in, and the refusals."""

from __future__ import annotations

import unicodedata

from loyalty.errors import Conflict, NotFound, Refused


class CodeNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("code")


class CodeExists(Conflict):
    def __init__(self) -> None:
        super().__init__("code_exists", "This code already exists in the business.", field="code")


class CodeRefused(Refused):
    """The code cannot be used now; `reason` is a sentence for the cashier (unknown, expired, used up...)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, f"This code cannot be used: {reason}.", field="code", reason=reason)
        self.reason = reason


# "Unknown" and "used up" read the same to a till: its answers do not tell a guesser which codes exist.
GUESSES = frozenset({"code_unknown", "code_used_up"})


ALIKE_REASON = "unknown or already used"


def discreet(refusal: CodeRefused) -> CodeRefused:
    """The refusal as a till sees it."""
    return CodeRefused("code_unknown", ALIKE_REASON) if refusal.code in GUESSES else refusal


def normalise(text: str) -> str:
    """The one spelling a code is stored, compared and counted in: compatibility forms folded (full-width
    "ＦＩＶＥ" is "FIVE"), trimmed, upper case."""
    return unicodedata.normalize("NFKC", text).strip().upper()
