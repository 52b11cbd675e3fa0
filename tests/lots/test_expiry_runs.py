"""`loyalty expire` under load and in a race: two runs at once, a run beside tills spending, reminders, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerTransaction, LotAllocation, PointsLot
from loyalty.wallet import ledger
from loyalty.wallet.lots import expiry
from tests.conftest import Tenant
from tests.lots.helpers import buy, days_ago, member, pay, register, settings, shop
from tests.support.people import phone


def test_two_expiry_runs_at_once_expire_each_lot_once(alone: Tenant, own_db: Database) -> None:
    shop(alone, points_expire_after_days=3)
    members = [register(alone, phone(index))["id"] for index in range(12)]
    for member_id in members:
        buy(alone, member_id, "4.00", occurred_at=days_ago(5))
        buy(alone, member_id, "1.00", occurred_at=days_ago(4.5))
    at = datetime.now(UTC)
    reports: list[expiry.Report] = []
    start = threading.Barrier(2)

    def run() -> None:
        database = Database(own_db.url)
        start.wait()
        reports.append(expiry.run(database, at=at, batch=5))
        database.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.expired_points for report in reports) == 12 * 500
    with own_db.read() as session:
        expiries = session.scalar(select(func.count()).where(LedgerTransaction.kind == "expire"))
        moments = session.execute(select(PointsLot.member_id, PointsLot.expires_at).distinct()).all()
        assert ledger.verify(session) == []
    assert expiries == len(moments)  # one per member and moment of expiry: no lot expired twice
    for member_id in members:
        assert member(alone, member_id)["points_balance"] == "0.00"


def test_spending_beside_an_expiry_run_never_spends_what_it_expires(alone: Tenant, own_db: Database) -> None:
    shop(alone, points_expire_after_days=2)
    ada = register(alone)
    for _ in range(10):
        buy(alone, ada["id"], "3.00", occurred_at=days_ago(1.5))  # good for a few hours more
    errors: list[str] = []
    spent: list[str] = []
    start = threading.Barrier(2)

    def spend() -> None:
        start.wait()
        for _ in range(12):
            answer = pay(alone, ada["id"], "3.00")
            if answer.status_code == 201:
                spent.append(answer.json()["points_used"])
            elif answer.json()["error"]["code"] != "insufficient_points":
                errors.append(answer.text)

    def run() -> None:
        database = Database(own_db.url)
        start.wait()
        expiry.run(database, at=datetime.now(UTC) + timedelta(days=1), batch=1)
        database.dispose()

    threads = [threading.Thread(target=spend), threading.Thread(target=run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    paid = sum(round(Decimal(points) * 100) for points in spent)
    with own_db.read() as session:
        assert ledger.verify(session) == []  # among other things: no lot spent once it had expired
        expired = session.scalar(
            select(func.coalesce(func.sum(LotAllocation.amount), 0)).where(
                LotAllocation.member_id == uuid.UUID(ada["id"]), LotAllocation.kind == "expire"
            )
        )
        held = session.scalar(select(func.sum(PointsLot.remaining)).where(PointsLot.member_id == uuid.UUID(ada["id"])))
    assert held == 0 and paid + expired == 3000  # every point either spent or expired, never both


def test_members_are_reminded_once_before_their_points_expire(alone: Tenant, own_db: Database) -> None:
    shop(alone, points_expire_after_days=30, points_expiry_reminder_days=7)
    ada = register(alone)
    bob = register(alone, phone(2))
    buy(alone, ada["id"], "5.00", occurred_at=days_ago(25))
    buy(alone, ada["id"], "2.00", occurred_at=days_ago(24))
    buy(alone, bob["id"], "9.00", occurred_at=days_ago(2))  # not due for a reminder yet
    told: list[expiry.Reminder] = []
    expiry.run(own_db, at=datetime.now(UTC), notify=told.append)
    assert [(str(r.member_id), r.total_points) for r in told] == [(ada["id"], 700)]
    again: list[expiry.Reminder] = []
    expiry.run(own_db, at=datetime.now(UTC), notify=again.append)
    assert again == []  # each lot is told once
    later: list[expiry.Reminder] = []
    expiry.run(own_db, at=datetime.now(UTC) + timedelta(days=23), notify=later.append)
    assert [(str(r.member_id), r.points) for r in later] == [(bob["id"], 900)]


def test_the_command_expires_at_a_given_moment_and_sends_reminders_through_the_notifier(
    alone: Tenant, own_db: Database, tmp_path: Path
) -> None:
    shop(alone, points_expire_after_days=10, points_expiry_reminder_days=3)
    settings(alone, points_pending_days=1)
    ada = register(alone)
    buy(alone, ada["id"], "5.00", occurred_at=days_ago(8))
    buy(alone, ada["id"], "6.00")
    outbox = tmp_path / "outbox.jsonl"
    env = os.environ | {"LOYALTY_DATABASE_URL": own_db.url, "LOYALTY_NOTIFIER": f"file://{outbox}"}

    def loyalty(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, timeout=120
        )

    done = loyalty("expire")
    assert done.returncode == 0, done.stderr
    assert "expired 0.00 points" in done.stdout and "1 reminder(s) sent" in done.stdout
    sent = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert len(sent) == 1 and sent[0]["kind"] == "expiry_reminder" and sent[0]["points"] == "5.00"
    assert sent[0]["member_id"] == ada["id"] and sent[0]["expires_on"]
    later = (datetime.now(UTC) + timedelta(days=4)).isoformat()
    done = loyalty("expire", "--at", later)
    assert done.returncode == 0, done.stderr
    assert "expired 5.00 points in 1 lot(s) of 1 member(s)" in done.stdout
    assert "released 6.00 pending points in 1 lot(s)" in done.stdout
    assert loyalty("expire", "--at", "tomorrow").returncode == 2
    assert loyalty("expire", "--at", "2027-01-01T00:00:00").returncode == 2
    assert loyalty("verify").returncode == 0
