"""The Campaign Center's webhooks in a real browser: a marketer adds an endpoint, sees its secret once, sends a
test, reads the deliveries, retries one that failed and makes a new secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.conftest import create_tenant_via_cli
from tests.ops.receiver import Receiver
from tests.support.browser import Shop
from tests.support.server import LiveServer
from tests.web.test_campaign_center import open_center

pytestmark = pytest.mark.browser


@pytest.fixture
def hooks_shop(fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_PRIVATE", "1")  # the receiver listens on 127.0.0.1
    server = LiveServer(fresh_database_url, log_path=tmp_path / "server.log").start()
    made = create_tenant_via_cli(fresh_database_url, name="Cinema Lumière")
    yield Shop(server.url, made["business_id"], made["admin_key"], made["pos_key"], fresh_database_url)
    server.stop()


def test_a_marketer_connects_the_newsletter(browser: Any, hooks_shop: Shop) -> None:
    with Receiver(answer=lambda n: 500 if n == 1 else 200) as receiver:
        page, errors = open_center(browser, hooks_shop)
        page.get_by_role("link", name="Settings").click()
        page.get_by_role("heading", name="Webhooks").wait_for()
        page.get_by_text("No endpoint yet.").wait_for()

        page.get_by_label("Address (https://…)").fill(receiver.url)
        page.get_by_label("Events (comma-separated, * for all)").fill("member.created, purchase.confirmed")
        page.get_by_role("button", name="Add the endpoint").click()
        page.get_by_text(f"Added {receiver.url}.").wait_for()
        secret = page.locator("#webhook-secret code").inner_text()
        assert secret.startswith("whsec_")

        page.get_by_role("button", name=f"Send a test: {receiver.url}").click()
        page.get_by_text("Test delivered: the endpoint answered 200.").wait_for()
        assert Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)["type"] == "webhook.test"

        page.get_by_role("button", name=f"Send a test: {receiver.url}").click()  # the receiver answers 500 now
        page.get_by_text("Test not accepted").wait_for()
        page.locator("#webhook-deliveries").get_by_role("cell", name="500").wait_for()
        page.get_by_role("button", name="Retry webhook.test").click()
        page.get_by_text("Delivered.").wait_for()
        assert [json.loads(item.body)["type"] for item in receiver.received] == ["webhook.test"] * 3

        page.get_by_role("button", name=f"New secret: {receiver.url}").click()
        page.get_by_text("New secret made").wait_for()
        assert page.locator("#webhook-secret code").inner_text() not in ("", secret)
        assert errors == []
