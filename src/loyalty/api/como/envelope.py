"""Como's envelope: `{"status": "ok", …}`, and business errors as HTTP 200 with string codes.

A Como client reads the code of an error only from a 2xx answer (the PHP client throws on any 4xx before it reads
the body), so every refusal of a well-authenticated request is a 200 with `status: "error"`. A missing or wrong key
is a 401 in the same shape; server trouble stays a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from loyalty.errors import Conflict, InvalidInput, LoyaltyError, NotFound
from loyalty.members.access import KeyInvalid, KeyKindRefused
from loyalty.members.accounts import MemberExists
from loyalty.members.identification import TooManyAttempts
from loyalty.members.sent_codes import TooManyCodes
from loyalty.sale.payment_policy import PaymentAboveLimit, PaymentBelowLimit

MEMBER_NOT_FOUND = "4001012"
WRONG_VERIFICATION_CODE = "4007004"
VERIFICATION_CODE_SENT = "4007005"
ABOVE_LIMIT = "4007009"
BELOW_LIMIT = "4007010"
VERIFICATION_CODE_MISSING = "4007014"
ALREADY_EXISTS = "4000000"
MALFORMED = "4000001"
NOT_REDEEMABLE = "5523"
TRANSACTION_CONFLICT = "4090001"
NOT_FOUND = "4040001"
TOO_MANY_ATTEMPTS = "4290001"
REFUSED = "4220001"
UNAUTHORIZED = "401"
MAX_MESSAGE = 500


class ComoError(Exception):
    """A refusal in Como's words: a string code and a sentence."""

    def __init__(self, code: str, message: str, cause: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.cause = cause or []


def ok(**body: Any) -> JSONResponse:
    return JSONResponse({"status": "ok", **body})


def error(code: str, message: str, *, cause: list[dict[str, str]] | None = None, status: int = 200) -> JSONResponse:
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"  # an error answer stays small whatever the body named
    entry: dict[str, Any] = {"code": code, "message": message}
    if cause:
        entry["cause"] = cause
    return JSONResponse({"status": "error", "errors": [entry]}, status_code=status)


def field_of(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "header")]
    return ".".join(parts) or "body"


# The services name fields as /v1 does; a Como till knows them by Como's names.
FIELDS = [
    (re.compile(r"^items\.(\d+)\.line_id$"), r"purchase.items.\1.lineId"),
    (re.compile(r"^items\.(\d+)\.amount$"), r"purchase.items.\1.netAmount"),
    (re.compile(r"^items\.(\d+)\.quantity$"), r"purchase.items.\1.quantity"),
    (re.compile(r"^items$"), "purchase.items"),
    (re.compile(r"^payments\.(\d+)\.amount$"), r"purchase.meansOfPayment.\1.amount"),
    (re.compile(r"^phone$"), "phoneNumber"),
    (re.compile(r"^member_number$"), "customIdentifier"),
    (re.compile(r"^occurred_at$"), "purchase.openTime"),
    (re.compile(r"^attributes\.(.+)$"), r"registrationData.\1"),
    (re.compile(r"^attributes$"), "registrationData"),
    (re.compile(r"^tags$"), "registrationData.Tags"),
    (re.compile(r"^first_name$"), "firstName"),
    (re.compile(r"^last_name$"), "lastName"),
]


def como_field(field: str) -> str:
    for pattern, name in FIELDS:
        if pattern.match(field):
            return pattern.sub(name, field)
    return field


def translate(problem: Exception) -> JSONResponse | None:
    """The Como answer for a refusal, or None for trouble that is no refusal (it stays a 5xx)."""
    if isinstance(problem, ComoError):
        return error(problem.code, problem.message, cause=problem.cause)
    if isinstance(problem, KeyInvalid | KeyKindRefused):
        return error(UNAUTHORIZED, "A valid pos API key is required in X-Api-Key.", status=401)
    if isinstance(problem, RequestValidationError):
        found = list(problem.errors())
        if not found:
            return error(MALFORMED, "body: not a valid request")
        first = found[0]
        where = field_of(first.get("loc", ()))
        if first.get("type") == "json_invalid":
            return error(MALFORMED, "body: not valid JSON")
        return error(MALFORMED, f"{where}: {first.get('msg', 'invalid')}")
    if isinstance(problem, HTTPException) and problem.status_code == 400:
        return error(MALFORMED, "body: not valid JSON")  # bytes FastAPI cannot even decode
    if isinstance(problem, InvalidInput):
        reason = problem.message.removeprefix(f"{problem.field}: ")
        return error(MALFORMED, f"{como_field(problem.field)}: {reason}")
    if isinstance(problem, MemberExists):
        return error(ALREADY_EXISTS, problem.message)
    if isinstance(problem, NotFound):
        if problem.what == "member":
            return error(MEMBER_NOT_FOUND, "Member not found.")
        return error(NOT_FOUND, problem.message)
    if isinstance(problem, PaymentAboveLimit):
        return error(ABOVE_LIMIT, problem.message)
    if isinstance(problem, PaymentBelowLimit):
        return error(BELOW_LIMIT, problem.message)
    if isinstance(problem, TooManyAttempts | TooManyCodes):
        return error(TOO_MANY_ATTEMPTS, problem.message)
    if isinstance(problem, Conflict) and problem.code in ("transaction_conflict", "idempotency_conflict"):
        return error(TRANSACTION_CONFLICT, problem.message)
    if isinstance(problem, LoyaltyError):
        return error(REFUSED, problem.message, cause=[{"code": problem.code, "message": problem.message}])
    return None


class ComoRoute(APIRoute):
    """A route whose refusals (including a body that is not JSON or has a field of the wrong type) are answered in
    Como's envelope instead of the /v1 one."""

    async def admit(self, request: Request) -> None:
        """What a call checks before its body is read (nothing here)."""

    async def settle(self, request: Request, problem: Exception) -> Exception:
        """The refusal to answer for `problem` (itself here)."""
        return problem

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                await self.admit(request)
                return await handler(request)
            except Exception as problem:
                answer = translate(await self.settle(request, problem))
                if answer is None:
                    raise  # the database gave up or a bug: the application's 5xx handlers answer
                return answer

        return guarded
