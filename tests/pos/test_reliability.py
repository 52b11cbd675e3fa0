"""Nothing lost, nothing doubled: replays, races and crashes against a real server process (both databases)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerTransaction, Purchase
from tests.conftest import create_tenant_via_cli
from tests.support.server import LiveServer


class Shop:
    """A business on a live server with a 10% rule and one member."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        keys = create_tenant_via_cli(server.database_url)
        self.business_id = keys["business_id"]
        self.admin = {"Authorization": f"Bearer {keys['admin_key']}"}
        self.pos = {"Authorization": f"Bearer {keys['pos_key']}"}
        with httpx.Client(base_url=server.url, timeout=30) as client:
            client.post(
                "/v1/rules",
                headers=self.admin,
                json={
                    "name": "10% back",
                    "trigger": "purchase",
                    "status": "active",
                    "actions": [{"type": "add_points", "mode": "percent", "percent": "10"}],
                },
            ).raise_for_status()
            made = client.post("/v1/members", headers=self.admin, json={"phone": "+41 79 555 04 04"})
            made.raise_for_status()
            self.member_id = made.json()["id"]

    def sale(self, transaction_id: str, amount: str = "10.00") -> dict[str, Any]:
        return {
            "transaction_id": transaction_id,
            "member_id": self.member_id,
            "items": [{"line_id": "1", "code": "TICKET", "quantity": 1, "amount": amount}],
            "payments": [{"mop": "card", "amount": amount}],
        }

    def balance(self) -> Decimal:
        with httpx.Client(base_url=self.server.url, timeout=30) as client:
            return Decimal(client.get(f"/v1/members/{self.member_id}", headers=self.pos).json()["points_balance"])


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loyalty", "verify"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"LOYALTY_DATABASE_URL": database_url},
    )


def recorded(database_url: str, business_id: str) -> dict[str, int]:
    db = Database(database_url)
    with db.read() as session:
        rows = session.execute(
            select(Purchase.transaction_id, func.count())
            .where(Purchase.business_id == uuid.UUID(business_id))
            .group_by(Purchase.transaction_id)
        ).all()
    db.dispose()
    return {transaction_id: count for transaction_id, count in rows}


def test_purchases_sent_three_times_concurrently_are_recorded_once(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    count = 500
    sends = [(f"T-{n}", shop.sale(f"T-{n}")) for n in range(count) for _ in range(3)]
    random.Random(7).shuffle(sends)
    changed = [(f"T-{n}", shop.sale(f"T-{n}", amount="99.00")) for n in range(0, count, 10)]
    answers: dict[str, set[bytes]] = {}
    statuses: list[int] = []
    lock = threading.Lock()

    def send(item: tuple[str, dict[str, Any]], client: httpx.Client) -> None:
        transaction_id, body = item
        response = client.post("/v1/purchases", headers=shop.pos, json=body)
        with lock:
            statuses.append(response.status_code)
            if response.status_code in (200, 201):
                answers.setdefault(transaction_id, set()).add(response.content)

    with (
        httpx.Client(base_url=live_server.url, timeout=60, limits=httpx.Limits(max_connections=8)) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        list(pool.map(lambda item: send(item, client), sends))
        refused = [client.post("/v1/purchases", headers=shop.pos, json=body).status_code for _, body in changed]

    assert not [status for status in statuses if status >= 500]
    assert statuses.count(201) == count and statuses.count(200) == 2 * count
    assert all(len(bodies) == 1 for bodies in answers.values())  # replays are byte-identical
    assert refused == [409] * len(changed)
    assert set(recorded(live_server.database_url, shop.business_id).values()) == {1}
    assert len(recorded(live_server.database_url, shop.business_id)) == count
    assert shop.balance() == Decimal(count)  # 10% of 10.00 each, once
    assert verify(live_server.database_url).returncode == 0


def test_one_benefit_raced_by_twenty_purchases_is_redeemed_once(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        benefit = client.post(
            "/v1/benefits",
            headers=shop.admin,
            json={"name": "5.00 off", "kind": "discount", "discount": {"amount": "5.00"}},
        ).json()
        asset = client.post(
            f"/v1/members/{shop.member_id}/benefits", headers=shop.admin, json={"benefit_id": benefit["id"]}
        ).json()

        def buy(n: int) -> httpx.Response:
            return client.post(
                "/v1/purchases", headers=shop.pos, json={**shop.sale(f"R-{n}"), "benefits": [asset["id"]]}
            )

        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(buy, range(20)))
    won = [result for result in results if result.status_code == 201]
    assert len(won) == 1 and won[0].json()["redeemed"] == [asset["id"]]
    assert all(result.status_code == 409 for result in results if result is not won[0])
    assert len(recorded(live_server.database_url, shop.business_id)) == 1  # the losers recorded nothing
    assert verify(live_server.database_url).returncode == 0


def test_every_acknowledged_purchase_survives_sigkills_exactly_once(live_server: LiveServer) -> None:
    shop = Shop(live_server)
    acknowledged: set[str] = set()
    stop = threading.Event()
    kills = 0

    def client_with_retries() -> None:
        with httpx.Client(base_url=live_server.url, timeout=10) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                transaction_id = f"C-{n}"
                while not stop.is_set():  # a till retries the same body until it gets an answer
                    try:
                        response = client.post("/v1/purchases", headers=shop.pos, json=shop.sale(transaction_id))
                    except httpx.HTTPError:
                        time.sleep(0.05)
                        continue
                    if response.status_code in (200, 201):
                        acknowledged.add(transaction_id)
                        break
                    assert response.status_code >= 500, response.text
                    time.sleep(0.05)

    worker = threading.Thread(target=client_with_retries)
    worker.start()
    rng = random.Random(11)
    deadline = time.monotonic() + 25
    while time.monotonic() < deadline and kills < 6:
        time.sleep(rng.uniform(0.3, 1.5))
        live_server.kill()
        kills += 1
        live_server.start()
    time.sleep(1)
    stop.set()
    worker.join(timeout=60)

    counts = recorded(live_server.database_url, shop.business_id)
    assert kills >= 3 and len(acknowledged) > 10
    assert all(counts.get(transaction_id) == 1 for transaction_id in acknowledged)
    assert set(counts.values()) <= {1}
    db = Database(live_server.database_url)
    with db.read() as session:
        earned = session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.business_id == uuid.UUID(shop.business_id), LedgerTransaction.kind == "earn")
        )
    db.dispose()
    assert earned == len(counts)  # one earning per recorded purchase, none doubled by a retry
    assert shop.balance() == Decimal(len(counts))
    assert verify(live_server.database_url).returncode == 0
