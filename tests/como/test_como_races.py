"""Races through /api/v4 against a real server process: copies of a Como sale sent at once record it once, a new
till's first calls arriving together make one terminal, a wallet asset raced by several sales is redeemed once, and
`loyalty verify` stays clean."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import Terminal
from tests.como.helpers import line, open_time
from tests.conftest import create_tenant_via_cli
from tests.pos.test_reliability import recorded, verify
from tests.support.server import LiveServer


def test_como_sales_sent_three_times_at_once_from_new_tills_are_recorded_once(live_server: LiveServer) -> None:
    keys = create_tenant_via_cli(live_server.database_url)
    admin = {"Authorization": f"Bearer {keys['admin_key']}"}
    with httpx.Client(base_url=live_server.url, timeout=60, limits=httpx.Limits(max_connections=8)) as client:
        client.post(
            "/v1/rules",
            headers=admin,
            json={
                "name": "10% back",
                "trigger": "purchase",
                "status": "active",
                "actions": [{"type": "add_points", "mode": "percent", "percent": "10"}],
            },
        ).raise_for_status()
        member = client.post("/v1/members", headers=admin, json={"phone": "+41 79 555 04 04"}).json()
        popcorn = client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "Free popcorn", "kind": "free_item", "items": {"codes": ["POPCORN"]}},
        ).json()
        asset = client.post(f"/v1/members/{member['id']}/benefits", headers=admin, json={"benefit_id": popcorn["id"]})

        def headers(pos: str) -> dict[str, str]:
            return {"X-Api-Key": keys["pos_key"], "X-Branch-Id": "north", "X-Pos-Id": pos}

        sold_at = open_time()  # after the popcorn was granted: the sales may use it

        def body(transaction_id: str, **extra: Any) -> dict[str, Any]:
            return {
                "customers": [{"phoneNumber": "079 555 04 04"}],
                "purchase": {
                    "transactionId": transaction_id,
                    "openTime": sold_at,
                    "totalAmount": 1000,
                    "items": [line("1", "TICKET", "tickets", 1, 1000)],
                    "meansOfPayment": [{"type": "card", "amount": 1000}],
                },
                **extra,
            }

        count = 60
        sends = [(f"pos-{n % 4}", f"T-{n}") for n in range(count) for _ in range(3)]
        random.Random(9).shuffle(sends)

        def send(item: tuple[str, str]) -> tuple[str, int, dict[str, Any]]:
            pos, transaction_id = item
            answer = client.post("/api/v4/submitPurchase", headers=headers(pos), json=body(transaction_id))
            return transaction_id, answer.status_code, answer.json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(send, sends))
        assert {status for _, status, _ in answers} == {200}
        assert all(found["status"] == "ok" for _, _, found in answers)
        confirmations: dict[str, set[str]] = {}
        for transaction_id, _, found in answers:
            confirmations.setdefault(transaction_id, set()).add(found["confirmation"])
        assert all(len(seen) == 1 for seen in confirmations.values())

        # One wallet asset raced by eight closed sales at eight tills: redeemed by one; the others' customers have
        # paid, so their sales stand and say the asset was not redeemed.
        def race(n: int) -> dict[str, Any]:
            with_asset = body(f"R-{n}", redeemAssets=[{"key": asset.json()["id"], "appliedAmount": -500}])
            with_asset["purchase"]["items"].append(line("2", "POPCORN", "snacks", 1, 500))
            return dict(client.post("/api/v4/submitPurchase", headers=headers(f"race-{n}"), json=with_asset).json())

        with ThreadPoolExecutor(max_workers=8) as pool:
            raced = list(pool.map(race, range(8)))
        assert [found["status"] for found in raced] == ["ok"] * 8
        refused = [found for found in raced if "redeemAssets" in found]
        assert len(refused) == 7 and all(not found["redeemAssets"][0]["redeemable"] for found in refused)
        balance = Decimal(client.get(f"/v1/members/{member['id']}", headers=admin).json()["points_balance"])

    counts = recorded(live_server.database_url, keys["business_id"])
    assert len([name for name in counts if name.startswith("T-")]) == count
    assert set(counts.values()) == {1}
    # 10% of 10.00 per sale, and of each raced ticket (its popcorn free, as every till charged it).
    assert balance == Decimal(count) + 8
    db = Database(live_server.database_url)
    with db.read() as session:
        terminals = session.scalar(
            select(func.count()).where(
                Terminal.business_id == uuid.UUID(keys["business_id"]), Terminal.external_id.is_not(None)
            )
        )
    db.dispose()
    assert terminals == 4 + 8  # one per X-Pos-Id, however many first calls raced
    assert verify(live_server.database_url).returncode == 0
