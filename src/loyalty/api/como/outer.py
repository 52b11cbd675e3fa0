"""Como's envelope for every answer under `/api/v4`, even those no Como route made: a body over the size limit, a
Content-Length that is no number, a path or method nobody serves, a busy database, a bug.

Those are answered by the application's outer layers (`api/guards.py`, `api/errors.py`) in the `/v1` envelope
(`{"error": …}`), which a Como client cannot read. This pure ASGI middleware, around them all, rewrites such an answer
into Como's shape: a refusal becomes HTTP 200 with `status: "error"` and a string code (the PHP client throws on a
4xx before it reads the body), server trouble stays a 5xx in Como's shape. Answers already in Como's shape, and every
answer outside `/api/v4`, pass untouched; only error answers are ever held in memory.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty.api.como import envelope

PREFIX = "/api/v4"

# The /v1 status of a refusal → (HTTP status, Como code) under /api/v4.
REFUSALS: dict[int, tuple[int, str]] = {
    400: (200, envelope.MALFORMED),
    401: (401, envelope.UNAUTHORIZED),
    403: (401, envelope.UNAUTHORIZED),
    404: (404, envelope.NOT_FOUND),
    405: (404, envelope.NOT_FOUND),
    409: (200, envelope.TRANSACTION_CONFLICT),
    413: (200, envelope.MALFORMED),
    422: (200, envelope.MALFORMED),
    429: (200, envelope.TOO_MANY_ATTEMPTS),
}


def como_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def rewritten(status: int, body: bytes) -> tuple[int, bytes] | None:
    """The Como answer for a `/v1`-shaped error answer, or None when the body is not one."""
    try:
        found = json.loads(body)
    except ValueError:
        return None
    error = found.get("error") if isinstance(found, dict) else None
    if not isinstance(error, dict):
        return None
    message = str(error.get("message") or "refused")
    new_status, code = REFUSALS.get(status, (status, str(status)))
    if status == 413:
        message = f"body: {message[:1].lower()}{message[1:]}"
    entry: dict[str, Any] = {"code": code, "message": message}
    if error.get("code"):
        entry["cause"] = [{"code": str(error["code"]), "message": message}]
    return new_status, json.dumps({"status": "error", "errors": [entry]}).encode()


class ComoEnvelope:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not como_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        held: Message | None = None  # the start of an error answer, until its body is seen
        chunks: list[bytes] = []

        async def shaped(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if message["status"] >= 400:
                    held = message
                    return
                await send(message)
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _flush(send, held, b"".join(chunks))

        await self.app(scope, receive, shaped)


async def _flush(send: Send, start: Message, body: bytes) -> None:
    status = start["status"]
    headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
    answer = rewritten(status, body)
    if answer is not None:
        status, body = answer
        headers = [(name, value) for name, value in headers if name.lower() != b"www-authenticate"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
