"""The reader's language for one request: its Accept-Language, handed to the services that word answers."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from loyalty.i18n import reader


class AcceptLanguage:
    """Pure ASGI, so the value set here is the one the route (and its thread) sees."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"accept-language")
        with reader.asking(header.decode("latin-1")[:200] if header else None):
            await self.app(scope, receive, send)
