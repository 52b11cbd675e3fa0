"""Three pure ASGI middlewares around the whole application.

`AccessLog`: one line per request: method, path (never the query string, which may carry a phone number or an
e-mail address), status and milliseconds.

`BodyLimit`: a request body larger than the limit is refused with 413 before it is read. A declared
Content-Length over the limit is answered at once; a body without one (chunked) is counted as it streams in,
and reading stops at the first chunk past the limit.

`Contained`: an unexpected exception becomes the 500 envelope here, below Starlette's outermost error
middleware, which would re-raise it after answering and so make the server drop the keep-alive connection.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("loyalty.api")
http_log = logging.getLogger("loyalty.http")


def _envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "details": details or {}}}).encode()


async def _answer(send: Send, status: int, body: bytes, *, close: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))  # the unread body is still on the wire
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit:,} bytes."


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                await _answer(send, 400, _envelope(400, "http_error", "Content-Length is not a number."), close=True)
                return
            if length > self.max_bytes:
                body = _envelope(413, "request_too_large", too_large_message(self.max_bytes), {"limit": self.max_bytes})
                await _answer(send, 413, body, close=True)
                return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The body is counted as it streams in; past the limit the application is told the client has gone
        (so it stops reading), and whatever it answers is replaced by the 413."""
        seen = 0
        over = False
        answered = False

        async def counted() -> Message:
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def refuse() -> None:
            nonlocal answered
            if not answered:
                answered = True
                body = _envelope(413, "request_too_large", too_large_message(self.max_bytes), {"limit": self.max_bytes})
                await _answer(send, 413, body, close=True)

        async def guarded(message: Message) -> None:
            if over:
                await refuse()
            else:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over:
            await refuse()


class Contained:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            log.exception("unexpected error")
            body = _envelope(500, "internal_error", "Something went wrong on our side; nothing was recorded.")
            await _answer(send, 500, body)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what an exception that escapes becomes (Contained answers it)

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            http_log.info(
                "request", extra={"method": scope["method"], "path": scope["path"], "status": status, "ms": ms}
            )
