"""`GET /metrics` and `count`, the report (guards.Reported) that counts requests by route template (never the raw
path: ids in paths would make one series per member). The webhook queue is read from the database at each scrape."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from loyalty import metrics
from loyalty.db.engine import Database
from loyalty.webhooks import queue


def count(scope: Scope, status: int, seconds: float) -> None:
    route = scope.get("route")  # set by the router on the shared scope once a route matched
    template = getattr(route, "path", None) or "unmatched"
    method = scope["method"]
    metrics.REQUESTS.labels(method, template, str(status)).inc()
    metrics.LATENCY.labels(method, template).observe(seconds)


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
