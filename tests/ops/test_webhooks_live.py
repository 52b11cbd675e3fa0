"""Webhooks from real `loyalty serve` processes: an event survives a SIGKILL right after the till's answer, and
two servers on one database deliver every event (a duplicate only ever with the same webhook-id)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook

from tests.conftest import create_tenant_via_cli
from tests.ops.receiver import Receiver
from tests.support.server import LiveServer


def post(server: LiveServer, path: str, key: str, body: object, status: int = 201) -> dict[str, str]:
    answer = httpx.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def sale(n: int, member_id: str) -> dict[str, object]:
    return {
        "transaction_id": f"L-{n}",
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "X", "quantity": 1, "amount": "4.00"}],
        "payments": [{"mop": "cash", "amount": "4.00"}],
    }


def confirmed_ids(receiver: Receiver) -> dict[str, set[str]]:
    """Purchase id → the webhook-ids it arrived with."""
    found: dict[str, set[str]] = defaultdict(set)
    for item in list(receiver.received):
        body = json.loads(item.body)
        if body["type"] == "purchase.confirmed":
            found[body["data"]["purchase_id"]].add(item.headers["webhook-id"])
    return found


def wait_for(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_an_event_acknowledged_before_a_sigkill_is_delivered_after_restart(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("LOYALTY_WEBHOOKS_WORKER", "off")  # nothing may leave before the kill
    keys = create_tenant_via_cli(fresh_database_url)
    server = LiveServer(fresh_database_url, log_path=tmp_path / "server.log").start()
    try:
        with Receiver() as receiver:
            endpoint = post(server, "/v1/webhooks", keys["admin_key"], {"url": receiver.url, "events": ["*"]})
            ada = post(server, "/v1/members", keys["admin_key"], {"phone": "+41 79 555 01 01"})
            bought = post(server, "/v1/purchases", keys["pos_key"], sale(1, ada["id"]))
            server.kill()
            assert receiver.received == []
            monkeypatch.setenv("LOYALTY_WEBHOOKS_WORKER", "on")
            server.start()
            wait_for(lambda: bought["id"] in confirmed_ids(receiver))
            verifier = Webhook(endpoint["secret"])
            assert all(verifier.verify(item.body, item.headers) for item in receiver.received)
    finally:
        server.stop()


@pytest.mark.slow
def test_two_servers_deliver_every_event(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_PRIVATE", "1")
    keys = create_tenant_via_cli(fresh_database_url)
    servers = [LiveServer(fresh_database_url, log_path=tmp_path / f"server{n}.log").start() for n in (1, 2)]
    try:
        with Receiver() as receiver:
            post(servers[0], "/v1/webhooks", keys["admin_key"], {"url": receiver.url, "events": ["purchase.confirmed"]})
            ada = post(servers[1], "/v1/members", keys["admin_key"], {"phone": "+41 79 555 01 02"})
            bought = {
                post(servers[n % 2], "/v1/purchases", keys["pos_key"], sale(n, ada["id"]))["id"] for n in range(30)
            }
            wait_for(lambda: set(confirmed_ids(receiver)) == bought)
            time.sleep(3)  # time for a second copy, were one coming
            arrived = confirmed_ids(receiver)
            by_id: dict[str, set[bytes]] = defaultdict(set)
            for item in receiver.received:
                by_id[item.headers["webhook-id"]].add(item.body)
    finally:
        for server in servers:
            server.stop()
    assert set(arrived) == bought
    assert all(len(ids) == 1 for ids in arrived.values())  # one event per purchase, however often sent
    assert all(len(bodies) == 1 for bodies in by_id.values())  # a repeat is byte for byte the same
