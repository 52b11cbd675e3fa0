"""GET /metrics: Prometheus text with requests by route template, a sale's figures, the webhook queue."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings, SettingsInvalid
from tests.conftest import Tenant, create_tenant_via_cli
from tests.lots.helpers import buy, shop
from tests.support.people import register
from tests.support.server import LiveServer


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_sale_shows_in_the_figures_by_route_template(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    before = scrape(tenant.client)
    buy(tenant, ada["id"], "12.00")
    assert tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.admin).status_code == 200
    after = scrape(tenant.client)

    assert value(after, "loyalty_purchases_confirmed_total") == value(before, "loyalty_purchases_confirmed_total") + 1
    assert value(after, "loyalty_points_earned_total") == value(before, "loyalty_points_earned_total") + 12
    purchases = {"method": "POST", "route": "/v1/purchases", "status": "201"}
    assert value(after, "loyalty_http_requests_total", **purchases) == (
        value(before, "loyalty_http_requests_total", **purchases) + 1
    )
    one_member = {"method": "GET", "route": "/v1/members/{member_id}", "status": "200"}
    assert value(after, "loyalty_http_requests_total", **one_member) >= 1
    assert not any(ada["id"] in dict(labels).get("route", "") for _, labels in after)  # ids never become labels
    assert value(after, "loyalty_http_request_duration_seconds_count", method="POST", route="/v1/purchases") >= 1
    assert ("loyalty_webhook_queue_depth", ()) in after
    assert value(after, "loyalty_outbound_paused") == 0


def test_an_unknown_path_is_one_series(tenant: Tenant) -> None:
    for n in range(3):
        assert tenant.client.get(f"/no/such/{n}").status_code == 404
    samples = scrape(tenant.client)
    assert value(samples, "loyalty_http_requests_total", method="GET", route="unmatched", status="404") >= 3


def test_metrics_off(settings: Settings, db: Database) -> None:
    off = Settings(database_url=settings.database_url, metrics=False)
    with TestClient(create_app(off, db=db)) as client:
        assert client.get("/metrics").status_code == 404


def test_the_switch_is_read_from_the_environment() -> None:
    assert Settings.from_env({"LOYALTY_METRICS": "off"}).metrics is False
    assert Settings.from_env({}).metrics is True
    assert Settings.from_env({"LOYALTY_WEBHOOKS_ALLOW_PRIVATE": "1"}).webhooks_allow_private is True
    with pytest.raises(SettingsInvalid, match="LOYALTY_METRICS"):
        Settings.from_env({"LOYALTY_METRICS": "maybe"})


@pytest.mark.slow
def test_two_workers_answer_the_sum_of_their_figures(fresh_database_url: str, tmp_path: Path) -> None:
    keys = create_tenant_via_cli(fresh_database_url)
    server = LiveServer(fresh_database_url, workers=2, log_path=tmp_path / "server.log").start()
    try:
        for n in range(8):
            sale = {
                "transaction_id": f"M-{n}",
                "items": [{"line_id": "1", "code": "X", "quantity": 1, "amount": "3.00"}],
                "payments": [{"mop": "cash", "amount": "3.00"}],
            }
            answer = httpx.post(
                f"{server.url}/v1/purchases", json=sale, headers={"Authorization": f"Bearer {keys['pos_key']}"}
            )
            assert answer.status_code == 201, answer.text
        for _ in range(6):  # whichever worker answers the scrape
            families = {f.name: f for f in text_string_to_metric_families(httpx.get(f"{server.url}/metrics").text)}
            (sample,) = [s for s in families["loyalty_purchases_confirmed"].samples if s.name.endswith("_total")]
            assert sample.value == 8
    finally:
        server.stop()


def test_the_queue_shows_what_waits_and_how_long(venue: Tenant, db: Database) -> None:
    from loyalty.webhooks import queue

    made = venue.client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/closed", "events": ["member.created"]}, headers=venue.admin
    ).json()
    before = queue.depth(db).pending
    register(venue, "+41 79 555 44 01")
    register(venue, "+41 79 555 44 02")
    assert queue.depth(db).pending == before + 2
    assert queue.depth(db).oldest_seconds >= 0
    venue.client.patch(f"/v1/webhooks/{made['id']}", json={"enabled": False}, headers=venue.admin)
    assert queue.depth(db).pending == before  # switched off: waiting on purpose, not stuck
    assert value(scrape(venue.client), "loyalty_webhook_queue_depth") == before
