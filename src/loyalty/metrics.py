"""The figures `GET /metrics` shows, counted where things happen (no HTTP here: services count too).

Per process by default. With PROMETHEUS_MULTIPROC_DIR set (an empty folder, before the server starts), every worker
process writes its figures there and one scrape sums them (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as multiprocess_mode

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "loyalty_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "loyalty_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
PURCHASES = Counter("loyalty_purchases_confirmed", "Purchases confirmed (committed).", registry=REGISTRY)
POINTS_EARNED = Counter("loyalty_points_earned", "Points earned by confirmed purchases.", registry=REGISTRY)
POINTS_SPENT = Counter("loyalty_points_spent", "Points spent as payment on confirmed purchases.", registry=REGISTRY)
DELIVERIES = Counter(
    "loyalty_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retry (failed, will be tried again) or failed (given up).",
    ["outcome"],
    registry=REGISTRY,
)


def committed_event(event_type: str, data: Mapping[str, Any]) -> None:
    """Count what a committed change meant (called after COMMIT, never for a rolled-back change)."""
    if event_type != "purchase.confirmed":
        return
    PURCHASES.inc()
    POINTS_EARNED.inc(_amount(data.get("points_earned")))
    POINTS_SPENT.inc(_amount(data.get("points_spent")))


def _amount(raw: object) -> float:
    try:
        value = Decimal(str(raw)) if raw is not None else Decimal(0)
    except InvalidOperation:
        return 0.0
    return float(value) if value > 0 else 0.0  # a counter only grows


def exposition() -> bytes:
    """This process's figures, or every worker's when multiprocess mode is on."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        combined = CollectorRegistry()
        multiprocess_mode.MultiProcessCollector(combined, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(combined)
    return generate_latest(REGISTRY)
