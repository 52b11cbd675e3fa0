"""How long a backtest takes: 1,000, 10,000 and 100,000 recorded purchases replayed through three draft rules.

    .venv/bin/python benchmarks/backtest.py                                                  # SQLite
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/backtest.py --postgres        # and PostgreSQL

A fresh database gets a business, 5,000 members and 100,000 completed purchases over 30 days (three lines each:
tickets, a drink, a beer tagged alcohol; paid by card, one in five partly with points, one in ten with a loyalty
discount), written straight into the tables. Then `backtests.run` (what POST /v1/rules/backtest runs) replays
the first N purchases through three drafts: 1 point per 1.00 on tickets excluding points payments, once a
day per member; 10% of everything but alcohol; 5 points per drink. Each figure is the median of --rounds runs;
the growth column is the time per purchase relative to the smallest run (1.00 = linear). The CPU seconds are
this process's alone: on a busy machine the wall clock also counts other programs' turns.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from loyalty import rules as engine
from loyalty.campaigns import backtests
from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.db.models import Business, Member, Purchase, PurchaseLine
from loyalty.members import access
from loyalty.periods import Period

SIZES = (1_000, 10_000, 100_000)
MEMBERS = 5_000
START = datetime(2026, 10, 1, tzinfo=UTC)
STEP = timedelta(days=30) / SIZES[-1]
DRAFTS: list[dict[str, Any]] = [
    {
        "name": "Tickets: 1 point per 1.00, once a day",
        "trigger": "purchase",
        "limits": {"per_member": 1, "period": "day"},
        "actions": [
            {
                "type": "add_points",
                "mode": "rate",
                "points": "1",
                "per": "1.00",
                "items": {"departments": ["Tickets"]},
                "exclude_mops": ["points"],
            }
        ],
    },
    {
        "name": "10% back but alcohol",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "percent", "percent": "10", "exclude_items": {"tags": ["alcohol"]}}],
    },
    {
        "name": "5 points per drink",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "repeat", "points": "5", "items": {"tags": ["drink"]}}],
    },
]


def fill(db: Database) -> Business:
    """A business with MEMBERS members and the largest size of purchases, written in bulk."""
    made = db.write(lambda session: access.create_business(session, name="Bench cinema", currency="CHF"))
    business, branch, terminal = made.business, made.branch, made.terminal
    members = [uuid.uuid4() for _ in range(MEMBERS)]
    with db.writer.begin() as connection:
        connection.execute(
            insert(Member),
            [
                {"id": member_id, "business_id": business.id, "phone": f"+4179{n:07d}", "tags": [], "status": "active"}
                for n, member_id in enumerate(members)
            ],
        )
    chunk = 10_000
    for first in range(0, SIZES[-1], chunk):
        purchases, lines = [], []
        for n in range(first, first + chunk):
            purchase_id = uuid.uuid4()
            points_paid = 500 if n % 5 == 0 else 0
            discount = 150 if n % 10 == 0 else 0
            payments = [{"mop": "card", "amount_minor": 3350 - discount - points_paid}]
            if points_paid:
                payments.append({"mop": "points", "amount_minor": points_paid})
            purchases.append(
                {
                    "id": purchase_id,
                    "business_id": business.id,
                    "branch_id": branch.id,
                    "terminal_id": terminal.id,
                    "transaction_id": f"B-{n}",
                    "member_id": members[n % MEMBERS],
                    "status": "completed",
                    "request_hash": "",
                    "response": {},
                    "total_minor": 3350 - discount,
                    "discount_minor": discount,
                    "points_earned": 0,
                    "created_at": START + n * STEP,
                    "payments": payments,
                }
            )
            for position, (code, department, tags, amount) in enumerate(
                (("TICKET", "tickets", [], 2400), ("COLA", "bar", ["drink"], 450), ("BEER", "bar", ["alcohol"], 500))
            ):
                lines.append(
                    {
                        "id": uuid.uuid4(),
                        "business_id": business.id,
                        "purchase_id": purchase_id,
                        "line_id": str(position + 1),
                        "code": code,
                        "name": code.title(),
                        "department": department,
                        "tags": tags,
                        "quantity": "1",
                        "amount_minor": amount,
                        "discount_minor": discount if position == 0 else 0,
                        "points_earned": 0,
                        "returned_quantity": "0",
                        "points_returned": 0,
                        "position": position,
                    }
                )
        with db.writer.begin() as connection:
            connection.execute(insert(Purchase), purchases)
            connection.execute(insert(PurchaseLine), lines)
    return business


def measure(db: Database, business_id: uuid.UUID, size: int, rounds: int) -> tuple[float, float, str]:
    period = Period(START, START + size * STEP, ZoneInfo("Europe/Zurich"))
    times, cpu_times, points = [], [], ""
    for _ in range(rounds):
        with db.read() as session:
            business = session.get(Business, business_id)
            assert business is not None
            rules = [
                engine.parse_rule({**body, "status": "active"}, id=f"draft-{n}", currency_exponent=2)
                for n, body in enumerate(DRAFTS)
            ]
            started, cpu_started = time.perf_counter(), time.process_time()
            result = backtests.run(session, business=business, rules=rules, period=period)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            assert result.purchases == size, (result.purchases, size)
            points = backtests.as_json(result, business)["points"]
    return statistics.median(times), statistics.median(cpu_times), points


def run(url: str, label: str, rounds: int) -> None:
    migrate.upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    business = fill(db)
    print(f"\n{label}: {SIZES[-1]:,} purchases written in {time.perf_counter() - started:.1f} s\n")
    print("| purchases | seconds | CPU seconds (this process) | purchases/s | growth per purchase | points given |")
    print("|---:|---:|---:|---:|---:|---:|")
    base = None
    for size in SIZES:
        seconds, cpu, points = measure(db, business.id, size, rounds if size < SIZES[-1] else max(1, rounds // 2))
        per = seconds / size
        base = base or per
        print(f"| {size:,} | {seconds:.2f} | {cpu:.2f} | {size / seconds:,.0f} | {per / base:.2f} | {points} |")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also on LOYALTY_TEST_POSTGRES_URL's server")
    asked = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite", asked.rounds)
    if asked.postgres:
        import psycopg

        server = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
        if not server:
            sys.exit("--postgres needs LOYALTY_TEST_POSTGRES_URL (run under scripts/with-postgres.sh)")
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        run(server.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL", asked.rounds)


if __name__ == "__main__":
    main()
