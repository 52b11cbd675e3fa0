"""Concurrent credit payers against a real server: the guarded UPDATE keeps credit from going below zero."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import create_tenant_via_cli
from tests.support.people import ADA_PHONE, verify
from tests.support.server import LiveServer

CLIENTS = 16


def test_sixteen_tills_paying_seven_cents_from_100_of_credit_get_1428_payments_then_one_of_4_cents(
    live_server: LiveServer,
) -> None:
    shop = create_tenant_via_cli(live_server.database_url)
    pos = {"Authorization": f"Bearer {shop['pos_key']}"}
    with httpx.Client(base_url=live_server.url, headers=pos, timeout=60) as client:
        member = client.post("/v1/members", json={"phone": ADA_PHONE}).json()
        loaded = client.post(
            f"/v1/members/{member['id']}/credit", json={"amount": "100.00"}, headers={"Idempotency-Key": "stake"}
        )
        assert loaded.status_code == 201 and loaded.json()["credit_balance"] == "100.00"
    start = threading.Barrier(CLIENTS)
    lock = threading.Lock()
    paid: list[str] = []
    unexpected: list[tuple[int, str]] = []
    sales = itertools.count()

    def pay() -> None:
        with httpx.Client(base_url=live_server.url, headers=pos, timeout=60) as client:
            start.wait()
            while True:
                body = {
                    "member_id": member["id"],
                    "transaction_id": f"T-{next(sales)}-{uuid.uuid4().hex[:6]}",
                    "amount": "0.07",
                    "wallet": "credit",
                }
                answer = client.post("/v1/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
                if answer.status_code == 201:
                    with lock:
                        paid.append(answer.json()["amount"])
                    continue
                if answer.status_code == 422 and answer.json()["error"]["code"] == "insufficient_credit":
                    return
                with lock:
                    unexpected.append((answer.status_code, answer.text[:200]))
                if len(unexpected) > 20:
                    return

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(pay) for _ in range(CLIENTS)]:
            future.result()
    seconds = time.perf_counter() - began
    print(f"\n{len(paid)} credit payments by {CLIENTS} clients in {seconds:.1f} s ({len(paid) / seconds:.0f}/s)")

    # 100.00 pays 1,428 times 0.07 = 99.96; the 0.04 left pays once more (at most the balance), then: refused.
    assert unexpected == []
    assert sorted(paid) == ["0.04"] + ["0.07"] * 1428
    with httpx.Client(base_url=live_server.url, headers=pos, timeout=60) as client:
        shown = client.get(f"/v1/members/{member['id']}").json()
    assert shown["credit_balance"] == "0.00"
    checked = verify(live_server.database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
