"""The app's real door, in process: each thread that calls it has an event loop and an ASGI client of its own, so a
request runs in that thread's context (the simulation knows which till a statement belongs to from a context
variable, which the app's worker threads inherit)."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI


@dataclass(frozen=True)
class Request:
    """One call of a till: `op` names what it does for the oracle (`purchase`, `pay`, `quote`, …), `key` what a
    replay of it shares with the first (the transaction id or Idempotency-Key)."""

    op: str
    method: str
    path: str
    auth: str
    body: dict[str, Any] | None = None
    idempotency_key: str | None = None
    key: str = ""
    facts: dict[str, Any] = field(default_factory=dict, compare=False)

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.auth}"}
        if self.idempotency_key is not None:
            headers["Idempotency-Key"] = self.idempotency_key
        return headers

    def describe(self) -> str:
        body = json.dumps(self.body, sort_keys=True, separators=(",", ":")) if self.body is not None else ""
        key = f" key={self.idempotency_key}" if self.idempotency_key else ""
        return f"{self.method} {self.path}{key} {body}"


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def error(self) -> str:
        body = self.json() if self.status >= 400 else None
        return str(body["error"]["code"]) if isinstance(body, dict) and "error" in body else ""


class Door:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._local = threading.local()
        self._made: list[tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]] = []

    def call(self, request: Request) -> Answer:
        loop, client = self._own()
        response = loop.run_until_complete(
            client.request(request.method, request.path, json=request.body, headers=request.headers())
        )
        return Answer(response.status_code, response.text)

    def _own(self) -> tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]:
        own = getattr(self._local, "own", None)
        if own is None:
            loop = asyncio.new_event_loop()
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            own = self._local.own = (loop, httpx.AsyncClient(transport=transport, base_url="http://sim"))
            self._made.append(own)
        return own

    def close(self) -> None:
        """Close every thread's client and loop (call once those threads are done)."""
        for loop, client in self._made:
            loop.run_until_complete(client.aclose())
            loop.close()
        self._made.clear()
