"""Four pure ASGI middlewares around the whole application.

`Reported` with `access_line` (and the request metrics): one line per request: method, path (never the query
string, which may carry a phone number or an e-mail address), status and milliseconds.

`BodyLimit`: a request body larger than the limit is refused with 413 before it is read. A declared
Content-Length over the limit is answered at once; a body without one (chunked) is counted as it streams in,
and reading stops at the first chunk past the limit.

`TextOnly`: a JSON body, a query or a path holding a NUL or a lone surrogate is refused with a 422 naming the
field (a Como call: its 200 envelope with code 4000001), before any route reads it (`loyalty.text`).

`Contained`: an unexpected exception becomes the 500 envelope here, below Starlette's outermost error
middleware, which would re-raise it after answering and so make the server drop the keep-alive connection.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty import text

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


class Reported:
    """Runs the app, then hands each of `reports` the scope, the answer's status (500 when an exception escaped:
    Contained answers it) and the seconds it took. The access log and the request metrics are two reports."""

    def __init__(self, app: ASGIApp, reports: Sequence[Callable[[Scope, int, float], None]]) -> None:
        self.app = app
        self.reports = tuple(reports)  # one middleware for all of them: each layer costs every request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            seconds = time.perf_counter() - started
            for report in self.reports:
                report(scope, status, seconds)


def access_line(scope: Scope, status: int, seconds: float) -> None:
    extra = {"method": scope["method"], "path": scope["path"], "status": status, "ms": round(seconds * 1000, 1)}
    http_log.info("request", extra=extra)


COMO_PREFIX = "/api/v4/"
NOT_TEXT = "is not text: it holds a NUL or half of a UTF-16 surrogate pair"


class TextOnly:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = self._in_address(scope)
        if field is None and _is_json(scope):
            chunks: list[bytes] = []
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message], receive), send)
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            field = _in_body(body)
            receive = _replay([{"type": "http.request", "body": body, "more_body": False}], receive)
        if field is None:
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(COMO_PREFIX):
            answer = {"status": "error", "errors": [{"code": "4000001", "message": f"{field}: {NOT_TEXT}"}]}
            await _answer(send, 200, json.dumps(answer).encode())
            return
        await _answer(send, 422, _envelope(422, "invalid_input", f"{field}: {NOT_TEXT}", {"field": field}))

    @staticmethod
    def _in_address(scope: Scope) -> str | None:
        if not text.is_text(scope.get("path", "")):
            return "path"
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if not (text.is_text(name) and text.is_text(value)):
                return name if text.is_text(name) else "query"
        return None


def _is_json(scope: Scope) -> bool:
    """A body the routes read as JSON: declared so, or not declared at all (FastAPI reads that as JSON too)."""
    kind = dict(scope.get("headers") or []).get(b"content-type", b"").split(b";")[0].strip().lower()
    return bool(kind in (b"", b"application/json") or kind.endswith(b"+json"))


def _in_body(body: bytes) -> str | None:
    if b"\\u" not in body and b"\x00" not in body:
        return None  # no escape and no NUL byte: the common case costs a scan, not a parse
    try:
        parsed = json.loads(body)
    except ValueError:
        return None  # not JSON: the route answers that, naming the body
    return text.not_text_in(parsed)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the client's own (its disconnect, when it goes)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        return await then()

    return receive
