"""No acknowledged sale lost when the database server dies: `loyalty serve` (2 workers) on the multi-host URL of a
pg_auto_failover cluster, several tills selling and paying with points, retrying with the same keys, while the
primary is SIGKILLed (or handed over in a planned switchover). Afterwards, on the new primary, every acknowledged
purchase and payment is there exactly once, with one earning per purchase, and `loyalty verify` is clean.

PostgreSQL only (`make test-failover`, part of `make test`): each test starts its own cluster, about a minute each.
The last test makes on purpose the race a planned switchover can hit: the old primary alone beside a promoted standby.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import LedgerTransaction, PointsPayment, Purchase
from loyalty.settings import Settings
from tests.conftest import BACKEND, create_tenant_via_cli
from tests.pos.test_reliability import verify
from tests.support.ha_cluster import Cluster
from tests.support.server import LiveServer

pytestmark = [
    pytest.mark.failover,
    pytest.mark.skipif(BACKEND != "postgresql", reason="a PostgreSQL cluster's failover (make test-failover)"),
]

TILLS = 4
MEMBERS = 8
LOAD_BEFORE = 4.0  # seconds of selling before the primary goes
LOAD_AFTER = 4.0  # seconds of selling after the new primary took writes
RETRY_PAUSE = 0.25  # a till's pause before resending (finer than Retry-After, to measure the gap closely)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    # Not under pytest's own temporary folder: the postgres user must be able to reach it.
    parent = Path(tempfile.mkdtemp(prefix="loyalty-ha."))
    parent.chmod(0o755)
    started = Cluster(parent / "cluster")
    try:
        yield started.start()
    finally:
        started.keep_logs(tmp_path / "cluster-logs")  # pytest keeps its last runs' folders: read them after a failure
        started.stop()
        parent.rmdir()


@dataclass
class Till:
    """A cash register: its own terminal and pos key; it retries every write with the same key until answered."""

    name: str
    key: str
    base_url: str
    figures: Figures
    purchases: dict[str, str] = field(default_factory=dict)  # acknowledged transaction id -> purchase id
    payments: dict[str, str] = field(default_factory=dict)  # acknowledged Idempotency-Key -> payment id

    def sell(self, members: list[str], stop: threading.Event) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            n = 0
            while not stop.is_set():
                transaction_id = f"{self.name}-{n}"
                member_id = members[n % len(members)]
                payments = [{"mop": "card", "amount": "10.00"}]
                if n % 2 == 0:  # every other sale is paid partly with points first
                    key = f"{transaction_id}-pay"
                    body = {"member_id": member_id, "transaction_id": transaction_id, "amount": "2.00"}
                    paid = self.send(client, "/v1/payments", body, {"Idempotency-Key": key}, stop)
                    if paid is None:
                        return
                    self.payments[key] = paid["id"]
                    payments = [{"mop": "card", "amount": "8.00"}, {"mop": "points", "amount": paid["amount"]}]
                sale = {
                    "transaction_id": transaction_id,
                    "member_id": member_id,
                    "items": [{"line_id": "1", "code": "TICKET", "quantity": 1, "amount": "10.00"}],
                    "payments": payments,
                }
                bought = self.send(client, "/v1/purchases", sale, {}, stop)
                if bought is None:
                    return
                self.purchases[transaction_id] = bought["id"]
                n += 1

    def send(
        self, client: httpx.Client, path: str, body: dict[str, Any], extra: dict[str, str], stop: threading.Event
    ) -> dict[str, Any] | None:
        """The same request until it is answered; None when the test stops first."""
        headers = {"Authorization": f"Bearer {self.key}", **extra}
        while not stop.is_set():
            try:
                response = client.post(path, headers=headers, json=body)
            except httpx.HTTPError:
                self.figures.count("connection errors")
                time.sleep(RETRY_PAUSE)
                continue
            if response.status_code in (200, 201):
                self.figures.acknowledged()
                answer: dict[str, Any] = response.json()
                return answer
            if response.status_code == 503:
                assert "Retry-After" in response.headers
                code = response.json()["error"]["code"]
                self.figures.count(f"503 {code}")
                time.sleep(RETRY_PAUSE)
                continue
            self.figures.unexpected.append(f"{path} {response.status_code} {response.text}")
            stop.set()
        return None


class Figures:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.unexpected: list[str] = []
        self.last_ack = time.monotonic()
        self.longest_gap = 0.0

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def acknowledged(self) -> None:
        with self.lock:
            at = time.monotonic()
            self.longest_gap = max(self.longest_gap, at - self.last_ack)
            self.last_ack = at


def probe_health(base_url: str, figures: Figures, stop: threading.Event) -> None:
    """What a load balancer and a deploy tool would see meanwhile."""
    with httpx.Client(base_url=base_url, timeout=5) as client:
        while not stop.is_set():
            for path in ("/v1/health/live", "/v1/health/ready"):
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError:
                    status = 0
                figures.count(f"{path} {status}")
            time.sleep(0.2)


def sell_through(cluster: Cluster, tmp_path: Path, disrupt: Callable[[str], str], *, measured: str) -> dict[str, Any]:
    """Tills sell while `disrupt(primary)` takes the primary away and returns the new one; then every check."""
    url = cluster.database_url
    keys = create_tenant_via_cli(url, name="Failover cinema")
    admin = {"Authorization": f"Bearer {keys['admin_key']}"}
    server = LiveServer(url, workers=2, log_path=tmp_path / "server.log").start()
    figures = Figures()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            rule = {
                "name": "10% back",
                "trigger": "purchase",
                "status": "active",
                "actions": [{"type": "add_points", "mode": "percent", "percent": "10"}],
            }
            client.post("/v1/rules", headers=admin, json=rule).raise_for_status()
            members = []
            for n in range(MEMBERS):
                made = client.post("/v1/members", headers=admin, json={"phone": f"+41 79 555 1{n:03d}"})
                made.raise_for_status()
                members.append(made.json()["id"])
                gift = {"points": "1000", "reason": "welcome"}
                client.post(f"/v1/members/{members[-1]}/adjustments", headers=admin, json=gift).raise_for_status()
            branch = client.get("/v1/branches", headers=admin).json()[0]["id"]
            till_keys = [keys["pos_key"]]
            for n in range(1, TILLS):
                terminal = client.post("/v1/terminals", headers=admin, json={"name": f"Till {n}", "branch_id": branch})
                made_key = client.post(
                    "/v1/api-keys",
                    headers=admin,
                    json={"kind": "pos", "name": f"till {n}", "terminal_id": terminal.json()["id"]},
                )
                till_keys.append(made_key.json()["key"])
        tills = [Till(f"till{n}", key, server.url, figures) for n, key in enumerate(till_keys)]
        stop = threading.Event()
        threads = [threading.Thread(target=till.sell, args=(members, stop)) for till in tills]
        threads.append(threading.Thread(target=probe_health, args=(server.url, figures, stop)))
        for thread in threads:
            thread.start()
        time.sleep(LOAD_BEFORE)
        old_primary = cluster.primary()
        assert old_primary is not None
        taken_at = time.monotonic()
        new_primary = disrupt(old_primary)
        promotion = time.monotonic() - taken_at
        acknowledged_then = sum(len(till.purchases) for till in tills)
        time.sleep(LOAD_AFTER)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        acknowledged_after = sum(len(till.purchases) for till in tills) - acknowledged_then
    finally:
        server.stop()

    assert figures.unexpected == []
    assert new_primary != old_primary and acknowledged_after > 0
    # The load balancer's check never took the workers out; the deploy check did say the database was away.
    assert figures.counts.get("/v1/health/live 200", 0) > 0
    assert not [what for what in figures.counts if what.startswith("/v1/health/live") and not what.endswith(" 200")]
    purchases = {(till.name, tx): purchase_id for till in tills for tx, purchase_id in till.purchases.items()}
    payments = {key: payment_id for till in tills for key, payment_id in till.payments.items()}
    check_nothing_lost_nothing_doubled(url, keys["business_id"], purchases, payments)
    checked = verify(url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return {
        "old primary": old_primary,
        "new primary": new_primary,
        measured: round(promotion, 1),
        "longest gap s": round(figures.longest_gap, 1),
        "purchases": len(purchases),
        "payments": len(payments),
        **figures.counts,
    }


def check_nothing_lost_nothing_doubled(
    url: str, business_id: str, purchases: dict[tuple[str, str], str], payments: dict[str, str]
) -> None:
    business = uuid.UUID(business_id)
    db = Database(url)
    try:
        with db.read() as session:
            recorded = session.execute(
                select(Purchase.transaction_id, Purchase.id).where(Purchase.business_id == business)
            ).all()
            paid = session.execute(
                select(PointsPayment.idempotency_key, PointsPayment.id, PointsPayment.status).where(
                    PointsPayment.business_id == business
                )
            ).all()
            earnings = session.execute(
                select(LedgerTransaction.purchase_id, func.count())
                .where(LedgerTransaction.business_id == business, LedgerTransaction.kind == "earn")
                .group_by(LedgerTransaction.purchase_id)
            ).all()
    finally:
        db.dispose()
    times = Counter(transaction_id for transaction_id, _ in recorded)
    assert set(times.values()) == {1}  # no sale recorded twice (transaction ids name their till)
    by_transaction = {transaction_id: str(purchase_id) for transaction_id, purchase_id in recorded}
    for (_, transaction_id), purchase_id in purchases.items():  # every acknowledged sale is there, as answered
        assert by_transaction.get(transaction_id) == purchase_id, transaction_id
    payment_ids = {key: (str(payment_id), status) for key, payment_id, status in paid}
    assert len(payment_ids) == len(paid)  # one payment per key
    for key, payment_id in payments.items():
        assert payment_ids.get(key) == (payment_id, "active"), key
    assert len(earnings) == len(recorded) and {count for _, count in earnings} == {1}  # one earning per sale


def test_tills_keep_selling_through_a_sigkill_of_the_primary_and_nothing_acknowledged_is_lost(
    cluster: Cluster, tmp_path: Path
) -> None:
    def kill(primary: str) -> str:
        assert cluster.kill(primary) >= 3  # pg_autoctl's processes and PostgreSQL's
        return cluster.wait_for_primary(other_than=primary)

    figures = sell_through(cluster, tmp_path, kill, measured="promotion s (kill to new primary)")
    print(f"\nfailover after SIGKILL of the primary: {figures}")


def test_tills_keep_selling_through_a_planned_switchover(cluster: Cluster, tmp_path: Path) -> None:
    def switch(primary: str) -> str:
        cluster.switchover()
        return cluster.wait_for_primary(other_than=primary)

    figures = sell_through(cluster, tmp_path, switch, measured="switchover s (command to new primary)")
    print(f"\nplanned switchover: {figures}")


def test_an_old_primary_left_alone_beside_a_promoted_standby_acknowledges_nothing(cluster: Cluster) -> None:
    """The monitor's race, made on purpose: the primary goes on alone (its standby in maintenance, synchronous
    replication off), then the standby is promoted behind its back. A sale the old primary commits then exists
    only there: it is answered 503 `outcome_unknown`, never 201 (db/witness.py)."""
    url = cluster.database_url
    keys = create_tenant_via_cli(url, name="Split cinema")
    primary = cluster.primary()
    assert primary is not None
    standby = "node2" if primary == "node1" else "node1"
    cluster.enable_maintenance(standby)
    deadline = time.monotonic() + 30
    while cluster.states().get(primary) != "wait_primary":
        assert time.monotonic() < deadline, cluster.states()
        time.sleep(0.2)

    db = Database(url)
    till = {"Authorization": f"Bearer {keys['pos_key']}"}
    try:
        with TestClient(create_app(Settings(database_url=url), db=db), raise_server_exceptions=False) as client:
            alone = client.post("/v1/purchases", headers=till, json=ticket("alone-1"))
            assert alone.status_code == 201, alone.text  # the standby, out of the quorum, still received it

            cluster.promote_by_hand(standby)
            split = client.post("/v1/purchases", headers=till, json=ticket("split-1"))
            assert split.status_code == 503 and split.json()["error"]["code"] == "outcome_unknown", split.text
            again = client.post("/v1/purchases", headers=till, json=ticket("split-1"))
            assert again.status_code == 503, again.text
    finally:
        db.dispose()
    # What the refusal saved the till from: the sale is on the old primary only.
    assert recorded_on(cluster, primary) >= {"alone-1", "split-1"}
    assert "split-1" not in recorded_on(cluster, standby) and "alone-1" in recorded_on(cluster, standby)


def ticket(transaction_id: str) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "items": [{"line_id": "1", "code": "TICKET", "quantity": 1, "amount": "10.00"}],
        "payments": [{"mop": "card", "amount": "10.00"}],
    }


def recorded_on(cluster: Cluster, node: str) -> set[str]:
    """The transaction ids one node holds, asked of that node alone."""
    with psycopg.connect(host="127.0.0.1", port=cluster.port(node), dbname="loyalty", user="postgres") as connection:
        return {row[0] for row in connection.execute("select transaction_id from purchase")}
