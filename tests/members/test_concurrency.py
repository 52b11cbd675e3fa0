"""Concurrent points spending against a real server: the guarded UPDATE lets exactly the affordable ones through."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import create_tenant_via_cli
from tests.support.people import ADA_PHONE, verify
from tests.support.server import LiveServer

CLIENTS = 16


def test_sixteen_clients_spending_seven_points_each_get_exactly_1428_successes(live_server: LiveServer) -> None:
    shop = create_tenant_via_cli(live_server.database_url)
    admin = {"Authorization": f"Bearer {shop['admin_key']}"}
    with httpx.Client(base_url=live_server.url, headers=admin, timeout=60) as client:
        member = client.post("/v1/members", json={"phone": ADA_PHONE}).json()
        given = client.post(f"/v1/members/{member['id']}/adjustments", json={"points": "10000", "reason": "race stake"})
        assert given.status_code == 201 and given.json()["points_balance"] == "10000.00"
    url = f"/v1/members/{member['id']}/adjustments"
    start = threading.Barrier(CLIENTS)
    lock = threading.Lock()
    successes = 0
    unexpected: list[tuple[int, str]] = []

    def spend() -> None:
        nonlocal successes
        with httpx.Client(base_url=live_server.url, headers=admin, timeout=60) as client:
            start.wait()
            while True:
                answer = client.post(url, json={"points": "-7", "reason": "race"})
                if answer.status_code == 201:
                    with lock:
                        successes += 1
                    continue
                if answer.status_code == 422 and answer.json()["error"]["code"] == "insufficient_points":
                    return
                with lock:
                    unexpected.append((answer.status_code, answer.text[:200]))
                if len(unexpected) > 20:
                    return

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(spend) for _ in range(CLIENTS)]:
            future.result()
    seconds = time.perf_counter() - began
    print(f"\n{successes} spends by {CLIENTS} clients in {seconds:.1f} s ({successes / seconds:.0f}/s)")

    assert unexpected == []
    assert successes == 1428
    with httpx.Client(base_url=live_server.url, headers=admin, timeout=60) as client:
        shown = client.get(f"/v1/members/{member['id']}").json()
        history = client.get(f"/v1/members/{member['id']}/history", params={"limit": 1}).json()
    assert shown["points_balance"] == "4.00"
    assert history["items"][0]["points"] == "-7.00"
    checked = verify(live_server.database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
