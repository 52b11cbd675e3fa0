"""The domain's refusals. Each service raises these (or its own subclasses); the API maps them once."""

from __future__ import annotations

from typing import Any


class LoyaltyError(Exception):
    """Base: a refusal with a machine code and a sentence for a person."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(LoyaltyError):
    """Absent, or another business's (the same answer for both: no existence leak)."""

    code = "not_found"

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")
        self.what = what
        self.code = f"{what.replace(' ', '_')}_not_found"


class InvalidInput(LoyaltyError):
    """A value the caller sent is not acceptable; `field` names it as a dotted path."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)
        self.field = field


class Conflict(LoyaltyError):
    """The request clashes with what is recorded (a duplicate, a changed replay, a spent benefit)."""

    code = "conflict"

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code


class Refused(LoyaltyError):
    """A well-formed request that the business's rules refuse (e.g. not enough points)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code


class Forbidden(LoyaltyError):
    """The caller's key may not do this, however the request is put (a till changing a member's proven phone)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.code = code
