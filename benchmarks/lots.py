"""Lots at scale: `loyalty expire` over a million lots, and a purchase's cost beside a member's lot count.

    .venv/bin/python benchmarks/lots.py                                            # SQLite
    LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh .venv/bin/python benchmarks/lots.py   # SQLite and PostgreSQL

1. Expiry: --lots lots (default 1,000,000) of --members members (10 each), all due, are written straight into a
   fresh database (each member's cached balance is the sum of its lots), then `python -m loyalty expire` runs as an
   operator would run it. Reported: wall time, lots per second, and the peak resident memory of that process.
2. A purchase beside many lots: one member holds 0, 1,000, 10,000 and 100,000 lots (each an earning with its
   ledger transaction, earned evenly over the last three years, the newest pending); 40 purchases that earn points
   are confirmed through the service (`confirmation.confirm`, one transaction each, no HTTP), with and without tiers
   (with tiers, each earning sums the member's earnings inside the tier window: a third of the lots here).
   Reported: SQL statements per purchase (exact) and the median time. A points payment (which reads the member's
   lots that hold points, to take the ones expiring first) is timed beside it.

The machine is small and shared: read the statement counts and the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import rulebook as campaigns
from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, LedgerTransaction, Member, PointsLot
from loyalty.members import access, tiers
from loyalty.sale import confirmation, payment_steps, payments, purchases
from loyalty.wallet import ledger

NOW = datetime.now(UTC)
CHUNK = 20_000


def fresh_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'lots-{uuid.uuid4().hex[:8]}.db'}"
    import psycopg

    server = os.environ["LOYALTY_TEST_POSTGRES_URL"]
    name = f"bench_lots_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"


def business(db: Database) -> access.NewBusiness:
    return db.write(lambda session: access.create_business(session, name="Bench", currency="CHF", country="CH"))


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


# --- 1. the expiry run -------------------------------------------------------------------------------------


def seed_due_lots(db: Database, business_id: uuid.UUID, members: int, per_member: int) -> None:
    for first in range(0, members, CHUNK // per_member):
        member_rows, lot_rows = [], []
        for number in range(first, min(first + CHUNK // per_member, members)):
            member_id = uuid.uuid4()
            member_rows.append(
                {
                    "id": member_id,
                    "business_id": business_id,
                    "phone": f"+4178{number:07d}",
                    "points_balance": 100 * per_member,
                    "lifetime_points": 100 * per_member,
                    "created_at": NOW,
                }
            )
            for index in range(per_member):
                earned = NOW - timedelta(days=400 + index)
                lot_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "business_id": business_id,
                        "member_id": member_id,
                        "kind": "earn",
                        "amount": 100,
                        "remaining": 100,
                        "expired": 0,
                        "written_off": 0,
                        "earned_at": earned,
                        "available_at": earned,
                        "expires_at": earned + timedelta(days=365),
                        "expiring_at": earned + timedelta(days=365),
                    }
                )

        def write(
            session: Session, members: list[dict[str, Any]] = member_rows, lots: list[dict[str, Any]] = lot_rows
        ) -> None:
            session.execute(insert(Member), members)
            session.execute(insert(PointsLot), lots)

        db.write(write)


def expire_benchmark(kind: str, folder: Path, lots: int, per_member: int) -> dict[str, Any]:
    url = fresh_url(kind, folder)
    migrate.upgrade(url)
    db = Database(url)
    made = business(db)
    started = time.perf_counter()
    seed_due_lots(db, made.business.id, lots // per_member, per_member)
    seeded = time.perf_counter() - started
    db.dispose()
    env = os.environ | {"LOYALTY_DATABASE_URL": url, "LOYALTY_NOTIFIER": "console"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "loyalty", "expire"], env=env, capture_output=True, text=True, timeout=7200, check=True
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    again = subprocess.run(
        [sys.executable, "-m", "loyalty", "expire"], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    return {
        "backend": kind,
        "lots": lots,
        "members": lots // per_member,
        "seed_s": seeded,
        "expire_s": seconds,
        "lots_per_s": lots / seconds,
        "peak_mb": max(peak_kb, before) / 1024,
        "said": done.stdout.strip(),
        "second_run": again.stdout.strip(),
    }


# --- 2. a purchase beside many lots ---------------------------------------------------------------------


def seed_member_lots(db: Database, business_id: uuid.UUID, member_id: uuid.UUID, count: int) -> None:
    rows_t, rows_e, rows_l = [], [], []
    for index in range(count):
        earned = NOW - timedelta(days=3 * 365) * (index / max(count, 1))  # spread over three years
        pending = index % 3 == 0 and index < 300
        transaction_id = uuid.uuid4()
        rows_t.append(
            {"id": transaction_id, "business_id": business_id, "kind": "earn", "member_id": member_id,
             "reason": "seed", "created_at": earned}
        )  # fmt: skip
        rows_e += [
            {"id": uuid.uuid4(), "business_id": business_id, "transaction_id": transaction_id, "account": "member",
             "member_id": member_id, "amount": 100, "created_at": earned},
            {"id": uuid.uuid4(), "business_id": business_id, "transaction_id": transaction_id, "account": "issued",
             "member_id": None, "amount": -100, "created_at": earned},
        ]  # fmt: skip
        available = earned + timedelta(days=14) if pending else earned
        rows_l.append(
            {"id": uuid.uuid4(), "business_id": business_id, "member_id": member_id, "transaction_id": transaction_id,
             "kind": "earn", "amount": 100, "remaining": 100, "expired": 0, "written_off": 0, "earned_at": earned,
             "available_at": available, "expires_at": earned + timedelta(days=1000),
             "expiring_at": earned + timedelta(days=1000), "pending_until": available if pending else None}
        )  # fmt: skip
    for start in range(0, count, CHUNK // 2):
        stop = start + CHUNK // 2

        def write(session: Session, start: int = start, stop: int = stop) -> None:
            session.execute(insert(LedgerTransaction), rows_t[start:stop])
            session.execute(insert(LedgerEntry), rows_e[2 * start : 2 * stop])
            session.execute(insert(PointsLot), rows_l[start:stop])

        db.write(write)
    db.write(
        lambda session: session.execute(
            update(Member)
            .where(Member.id == member_id)
            .values(
                points_balance=Member.points_balance + 100 * count, lifetime_points=Member.lifetime_points + 100 * count
            )
        )
    )


@contextmanager
def counting(db: Database) -> Iterator[list[int]]:
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    event.listen(db.writer, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.writer, "before_cursor_execute", count)


def sale(number: int, member_id: uuid.UUID) -> purchases.Sale:
    line = engine.Line(line_id="1", code="TICKET", department="tickets", quantity=Decimal(2), amount=Decimal("24.00"))
    return purchases.Sale(
        transaction_id=f"B-{number}", member_id=member_id, lines=(line,),
        payments=(engine.Payment(mop="cash", amount=Decimal("24.00")),),
    )  # fmt: skip


def purchase_benchmark(kind: str, folder: Path, counts: list[int], rounds: int) -> list[dict[str, Any]]:
    url = fresh_url(kind, folder)
    migrate.upgrade(url)
    db = Database(url)
    made = business(db)
    business_id, terminal_id, branch_id = made.business.id, made.terminal.id, made.branch.id
    rule = {
        "name": "1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    }

    def setup(session: Session) -> None:
        found = access.business(session, business_id)
        campaigns.create(session, business=found, data=rule, actor="bench")
        found.points_expire_after_days = 1000
        found.points_pending_days = 14

    db.write(setup)
    results = []
    serial = 0
    for count in counts:
        for with_tiers in (False, True):
            member_id = uuid.uuid4()
            db.write(
                lambda session, member_id=member_id, count=count, with_tiers=with_tiers: session.add(
                    Member(id=member_id, business_id=business_id, phone=f"+4179{count:05d}{int(with_tiers)}")
                )
            )
            seed_member_lots(db, business_id, member_id, count)
            db.write(
                lambda session, member_id=member_id: ledger.post(
                    session,
                    business=access.business(session, business_id),
                    member_id=member_id,
                    kind="adjust",
                    amount=1_000_000,
                    cause=ledger.Cause(reason="points to pay with"),
                )
            )

            def set_tiers(session: Session, on: bool = with_tiers) -> None:
                found = access.business(session, business_id)
                bodies = [("Silver", "100"), ("Gold", "500000")] if on else []
                tiers.replace(session, business=found, bodies=bodies, actor="bench")

            db.write(set_tiers)
            times, statements = [], []
            for _ in range(rounds):
                serial += 1
                number = serial

                def confirm(session: Session, number: int = number, member_id: uuid.UUID = member_id) -> None:
                    found = access.business(session, business_id)
                    confirmation.confirm(
                        session, business=found, terminal_id=terminal_id, branch_id=branch_id,
                        sale=sale(number, member_id), at=datetime.now(UTC), actor="bench",
                    )  # fmt: skip

                with counting(db) as counter:
                    started = time.perf_counter()
                    db.write(confirm)
                    times.append((time.perf_counter() - started) * 1000)
                statements.append(counter[0])
            pay_times = []
            for _ in range(max(rounds // 4, 5)):
                serial += 1

                def pay(session: Session, number: int = serial, member_id: uuid.UUID = member_id) -> None:
                    found = access.business(session, business_id)
                    request = payment_steps.PaymentRequest(
                        member_id=member_id, transaction_id=f"P-{number}", amount=Decimal("1.00")
                    )
                    payments.pay(session, business=found, terminal_id=terminal_id, request=request, actor="bench")

                started = time.perf_counter()
                db.write(pay)
                pay_times.append((time.perf_counter() - started) * 1000)
            results.append(
                {
                    "backend": kind,
                    "lots": count,
                    "tiers": with_tiers,
                    "statements": statistics.median(statements),
                    "purchase_ms": statistics.median(times),
                    "payment_ms": statistics.median(pay_times),
                }
            )
    db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--per-member", type=int, default=10)
    parser.add_argument("--member-lots", default="0,1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--skip-expiry", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("LOYALTY_TEST_POSTGRES_URL") else [])
    counts = [int(text) for text in args.member_lots.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_expiry:
            print(f"\n`loyalty expire` over {args.lots:,} due lots ({args.per_member} per member)\n")
            heads = ("lots", 10), ("members", 8), ("seed s", 8), ("expire s", 9), ("lots/s", 8), ("peak MB", 8)
            print(f"{'backend':<11} " + " ".join(f"{name:>{width}}" for name, width in heads))
            for kind in backends:
                row = expire_benchmark(kind, Path(folder), args.lots, args.per_member)
                print(
                    f"{row['backend']:<11} {row['lots']:>10,} {row['members']:>8,} {row['seed_s']:>8.1f}"
                    f" {row['expire_s']:>9.1f} {row['lots_per_s']:>8,.0f} {row['peak_mb']:>8.0f}"
                )
                print(f"{'':<11} first run: {row['said']}\n{'':<11} second run: {row['second_run']}")
        print("\nA purchase that earns points, beside a member's lots (median of the rounds)\n")
        heads = ("member lots", 11), ("tiers", 6), ("SQL/purchase", 13), ("purchase ms", 12), ("payment ms", 11)
        print(f"{'backend':<11} " + " ".join(f"{name:>{width}}" for name, width in heads))
        for kind in backends:
            for row in purchase_benchmark(kind, Path(folder), counts, args.rounds):
                print(
                    f"{row['backend']:<11} {row['lots']:>11,} {'yes' if row['tiers'] else 'no':>6}"
                    f" {row['statements']:>13.0f} {row['purchase_ms']:>12.1f} {row['payment_ms']:>11.1f}"
                )


if __name__ == "__main__":
    main()
