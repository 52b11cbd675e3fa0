"""`GET /metrics` and the middleware that counts requests by route template (never the raw path: ids in paths
would make one series per member). The webhook queue is read from the database at each scrape."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty import metrics
from loyalty.db.engine import Database
from loyalty.webhooks import queue


class CountRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            route = scope.get("route")  # set by the router on the shared scope once a route matched
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            metrics.REQUESTS.labels(method, template, str(status)).inc()
            metrics.LATENCY.labels(method, template).observe(time.perf_counter() - started)


def _queue_figures(db: Database) -> bytes:
    """Written by hand, not as prometheus_client gauges: in multiprocess mode those would leave files behind."""
    state = queue.depth(db)
    lines = [
        ("loyalty_webhook_queue_depth", "Webhook deliveries waiting to be sent.", state.pending),
        (
            "loyalty_webhook_oldest_pending_seconds",
            "Age of the oldest waiting delivery (0: none).",
            state.oldest_seconds,
        ),
        ("loyalty_outbound_paused", "1 while texts, e-mails and webhooks are held after a restore.", int(state.paused)),
    ]
    text = "".join(f"# HELP {name} {text}\n# TYPE {name} gauge\n{name} {value}\n" for name, text, value in lines)
    return text.encode()


def install(app: FastAPI) -> None:
    @app.get("/metrics", include_in_schema=False)
    async def scrape(request: Request) -> Response:
        figures = metrics.exposition() + await run_in_threadpool(_queue_figures, request.app.state.db)
        return Response(figures, media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(CountRequests)
