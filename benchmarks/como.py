"""What speaking Como costs: a whole sale through /api/v4 beside the same sale through /v1, in one process.

Run: `.venv/bin/python benchmarks/como.py` (make bench runs it). A fresh SQLite file, a business with a 10% rule,
a benefit and 50 members; each sale finds the member by phone, quotes one wallet benefit and confirms, the Como way
(getMemberDetails, getBenefits, submitPurchase: the member named in every call) and the /v1 way (identify, quote,
purchases). Prints sales per second and the median and p99 milliseconds per sale, each the median of 3 rounds.
The in-process client leaves out the network: the figures compare the two translations, not a deployment.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loyalty.api.app import create_app  # noqa: E402
from loyalty.db import migrate  # noqa: E402
from loyalty.db.engine import Database  # noqa: E402
from loyalty.db.models import Member, now  # noqa: E402
from loyalty.members import access  # noqa: E402
from loyalty.settings import Settings  # noqa: E402
from loyalty.wallet import benefits  # noqa: E402

MEMBERS = 50
SALES = 60
ROUNDS = 3


def setup(client: TestClient, db: Database) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]]]:
    made = db.write(lambda session: access.create_business(session, name="Bench", currency="CHF", country="CH"))
    admin = {"Authorization": f"Bearer {made.admin_key}"}
    client.post(
        "/v1/rules",
        headers=admin,
        json={"name": "10%", "trigger": "purchase", "status": "active",
              "actions": [{"type": "add_points", "mode": "percent", "percent": "10"}]},
    ).raise_for_status()  # fmt: skip
    benefit = client.post(
        "/v1/benefits", headers=admin, json={"name": "2 off", "kind": "discount", "discount": {"amount": "2.00"}}
    ).json()
    people = []
    for n in range(MEMBERS):
        phone = f"079 600 {n // 100:02d} {n % 100:02d}"
        member = client.post("/v1/members", headers=admin, json={"phone": phone}).json()
        people.append((phone, member["id"], benefit["id"]))
    return {"Authorization": f"Bearer {made.pos_key}"}, {"X-Api-Key": made.pos_key}, people


def como_sale(client: TestClient, headers: dict[str, str], phone: str, asset: str, txn: str) -> None:
    customer = {"phoneNumber": phone}
    purchase = {
        "transactionId": txn,
        "openTime": now().strftime("%Y-%m-%dT%H:%M:%SZ"),  # the sale's own time: it dates the purchase
        "totalAmount": 2000,
        "items": [{"lineId": "1", "code": "TICKET", "quantity": 1, "netAmount": 1500},
                  {"lineId": "2", "code": "POPCORN", "quantity": 1, "netAmount": 500}],
        "meansOfPayment": [{"type": "card", "amount": 1800}],
    }  # fmt: skip
    for call, body in (
        ("getMemberDetails?returnAssets=active", {"customer": customer}),
        ("getBenefits", {"customers": [customer], "purchase": purchase, "redeemAssets": [{"key": asset}]}),
        ("submitPurchase", {"customers": [customer], "purchase": purchase, "redeemAssets": [{"key": asset}]}),
    ):
        answer = client.post(f"/api/v4/{call}", headers=headers, json=body).json()
        assert answer["status"] == "ok", answer


def v1_sale(client: TestClient, headers: dict[str, str], phone: str, asset: str, txn: str) -> None:
    member = client.post("/v1/identify", headers=headers, json={"phone": phone}).json()
    sale = {
        "transaction_id": txn,
        "member_id": member["id"],
        "items": [{"line_id": "1", "code": "TICKET", "amount": "15.00"},
                  {"line_id": "2", "code": "POPCORN", "amount": "5.00"}],
        "payments": [{"mop": "card", "amount": "18.00"}],
        "benefits": [asset],
    }  # fmt: skip
    client.post("/v1/quotes", headers=headers, json=sale).raise_for_status()
    assert client.post("/v1/purchases", headers=headers, json=sale).status_code == 201


def runner(
    client: TestClient,
    sale: Callable[[TestClient, dict[str, str], str, str, str], None],
    headers: dict[str, str],
    people: list[tuple[str, str, str]],
    assets: list[str],
    prefix: str,
) -> Callable[[int], None]:
    def run(n: int) -> None:
        sale(client, headers, people[n % MEMBERS][0], assets[n], f"{prefix}-{n}")

    return run


def measure(run: Callable[[int], None]) -> tuple[float, float, float]:
    took = []
    started = time.perf_counter()
    for n in range(SALES):
        begin = time.perf_counter()
        run(n)
        took.append((time.perf_counter() - begin) * 1000)
    total = time.perf_counter() - started
    took.sort()
    return SALES / total, statistics.median(took), took[int(len(took) * 0.99) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        migrate.upgrade(url)
        db = Database(url)
        with TestClient(create_app(Settings(database_url=url), db=db)) as client:
            results: dict[str, list[tuple[float, float, float]]] = {"/api/v4 (Como)": [], "/v1": []}
            for round_ in range(ROUNDS):
                for name, sale in (("/api/v4 (Como)", como_sale), ("/v1", v1_sale)):
                    pos, como, people = setup(client, db)
                    headers = como if sale is como_sale else pos
                    assets = grant_all(db, people)

                    results[name].append(measure(runner(client, sale, headers, people, assets, f"{name}-{round_}")))
        db.dispose()
    print(f"{'path':<16} {'sales/s':>8} {'p50 ms':>8} {'p99 ms':>8}   ({SALES} sales × {ROUNDS} rounds, SQLite)")
    for name, rounds in results.items():
        rate = statistics.median(r[0] for r in rounds)
        p50 = statistics.median(r[1] for r in rounds)
        p99 = statistics.median(r[2] for r in rounds)
        print(f"{name:<16} {rate:>8.1f} {p50:>8.1f} {p99:>8.1f}")


def grant_all(db: Database, people: list[tuple[str, str, str]]) -> list[str]:
    """One wallet benefit per sale, for the member of that sale (granted through the service, untimed)."""
    granted = []
    for n in range(SALES):
        _, member_id, benefit_id = people[n % MEMBERS]

        def work(session: Any, member_id: str = member_id, benefit_id: str = benefit_id) -> str:
            member = session.get(Member, uuid.UUID(member_id))
            business = access.business(session, member.business_id)
            asset = benefits.grant(
                session,
                business=business,
                member_id=member.id,
                benefit_id=uuid.UUID(benefit_id),
                source="admin",
                at=now(),
            )
            return str(asset.id)

        granted.append(db.write(work))
    return granted


if __name__ == "__main__":
    main()
