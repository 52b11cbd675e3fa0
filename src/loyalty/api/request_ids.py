"""Every request gets an id: the caller's `X-Request-ID` when it is a short plain token, a new one otherwise. It is
answered in the `X-Request-ID` header of every answer, errors included, and written on every log line of the request,
so a support ticket that quotes it leads to the server's log lines. (Not in error bodies: two refusals that must
look alike, such as a used and an unknown code, stay byte for byte the same.)"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty import logs

_PLAIN = re.compile(r"[A-Za-z0-9._\-]{1,64}")


def _chosen(scope: Scope) -> str:
    given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    return given if _PLAIN.fullmatch(given) else uuid.uuid4().hex


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = _chosen(scope)
        token = logs.request_id.set(current)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", current.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, stamped)
        finally:
            logs.request_id.reset(token)
