"""Every refusal as one JSON envelope: {"error": {"code", "message", "details"}}. The one exception → status table."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from loyalty.db.engine import CommitOutcomeUnknown, DatabaseFailure, RetryTransaction, is_unreachable
from loyalty.errors import Conflict, Forbidden, InvalidInput, LoyaltyError, NotFound, Refused
from loyalty.members.access import KeyInvalid, KeyKindRefused
from loyalty.members.app_limits import TooManyRequests
from loyalty.members.identification import TooManyAttempts

log = logging.getLogger("loyalty.api")

STATUS: list[tuple[type[Exception], int]] = [
    (KeyInvalid, 401),
    (KeyKindRefused, 403),
    (Forbidden, 403),
    (NotFound, 404),
    (TooManyAttempts, 429),
    (TooManyRequests, 429),
    (Conflict, 409),
    (InvalidInput, 422),
    (Refused, 422),
]


# Seconds a client waits before retrying after a 503: a failover of the database takes a few seconds.
RETRY_AFTER_SECONDS = 2
READS = {"GET", "HEAD", "OPTIONS"}


def envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status in (429, 503) and details and "retry_after" in details:
        headers = {"Retry-After": str(details["retry_after"])}
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


# An error answer stays small whatever the body: an 869 KB body of unknown keys once got a 4.9 MB 422.
MAX_PROBLEMS = 20
MAX_TEXT = 200


def short(text: str) -> str:
    """A field name or message as an answer repeats it: at most `MAX_TEXT` characters."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """("body", "items", 0, "amount") → "items.0.amount"."""
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(KeyInvalid)
    async def key_invalid(_: Request, error: KeyInvalid) -> JSONResponse:
        return envelope(401, "unauthorized", "A valid API key is required: Authorization: Bearer <key>.")

    @app.exception_handler(KeyKindRefused)
    async def key_kind(_: Request, error: KeyKindRefused) -> JSONResponse:
        return envelope(403, "forbidden", str(error))

    @app.exception_handler(LoyaltyError)
    async def domain(_: Request, error: LoyaltyError) -> JSONResponse:
        status = next((code for kind, code in STATUS if isinstance(error, kind)), 400)
        return envelope(status, error.code, error.message, error.details)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        found = error.errors()
        problems = [
            {"field": short(field_path(item["loc"])), "message": short(item["msg"])} for item in found[:MAX_PROBLEMS]
        ]
        first = problems[0] if problems else {"field": "body", "message": "invalid request"}
        details: dict[str, Any] = {"field": first["field"], "errors": problems}
        if len(found) > MAX_PROBLEMS:
            details["errors_not_shown"] = len(found) - MAX_PROBLEMS
        return envelope(422, "invalid_input", f"{first['field']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "request_too_large"}.get(
            error.status_code, "http_error"
        )
        return envelope(error.status_code, code, str(error.detail))

    @app.exception_handler(CommitOutcomeUnknown)
    @app.exception_handler(RetryTransaction)
    @app.exception_handler(DatabaseFailure)
    async def database(request: Request, error: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        return unavailable(request, error)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return envelope(500, "internal_error", "Something went wrong on our side; nothing was recorded.")


def unavailable(request: Request, error: Exception) -> JSONResponse:
    """503 with Retry-After, saying truthfully what the client can know about its write."""
    details = {"retry_after": RETRY_AFTER_SECONDS}
    retry = "Retry it with the same transaction id or Idempotency-Key: it will be recorded once."
    if isinstance(error, CommitOutcomeUnknown):
        message = f"The database could not confirm the commit: this write may have been recorded. {retry}"
        return envelope(503, "outcome_unknown", message, details)
    if not is_unreachable(error):
        # The database refused the write (a serialization failure or a lock after the retries, a refused COMMIT):
        # it was rolled back.
        return envelope(503, "database_busy", "The database is busy; nothing was recorded. Please retry.", details)
    if request.method in READS:
        return envelope(503, "database_unavailable", "The database cannot be reached right now. Please retry.", details)
    message = f"The database cannot be reached right now: this write may have been recorded. {retry}"
    return envelope(503, "outcome_unknown", message, details)
