"""One till alone, in process: statements and milliseconds per POS operation, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/purchase_path.py                                  # SQLite
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/purchase_path.py    # SQLite and PostgreSQL

The route functions of `loyalty.api.routes.pos` are called directly (no HTTP, no authentication: the principal
is read once), on a fresh migrated database with a business of two active rules (as `benchmarks/pos.py`), members
with points, a discount benefit and a promo code. Operations, each on a sale of three lines:

- quote: POST /v1/quotes for a member;
- purchase: POST /v1/purchases, confirmed, no payment through loyalty, no benefit or code;
- points payment: POST /v1/payments paying 2.00 of a new transaction with points;
- purchase + payment + code: a points payment, then the purchase with a promo code and a wallet benefit
  (the purchase alone is timed and counted);
- purchase, webhook subscribed: the purchase again, once the business has one webhook endpoint for every event
  (its outbox rows: the event and one delivery; nothing is sent, no delivery thread runs here).

With --profile N, one till's confirmed purchases go through the ASGI app in process instead (called as a server
calls it, with no HTTP client, whose CPU would be the till's: the key, the middleware and the request's validation
included; the thread-pool hops run inline so that one profiler sees all of it): the wall and CPU time per purchase
without a profiler (medians of batches of 25), the same for the lean floor (`reference.py`, called the same way on a
database of its own), the CPU of loyalty's own statements alone (one purchase's statements, captured, then sent again
on a bare driver connection in a transaction rolled back each time, before the purchase's state: what a purchase
path with no ORM, framework or Python of its own around the same statements would still cost), then where each
millisecond goes under `cProfile` (its overhead inflates every figure alike: read the shares).

Statements are every SQL statement sent (an executemany counts once, BEGIN/COMMIT not at all), per operation,
those queued to go together included (`loyalty.db.later`); round trips count each statement sent alone once and
each sending of the queued ones once (on PostgreSQL one pipeline; on SQLite there is no network, but the count
is the same).
Times are p50 and p99 over --runs operations after a warm-up. The machine is shared and noisy: compare medians
of runs made in the same conditions (the script runs unchanged on an older checkout for an A/B).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

import asgi_request
import reference
import till_sale
from fastapi.testclient import TestClient
from sqlalchemy import event

from loyalty.api.app import create_app
from loyalty.api.v1 import pos
from loyalty.db import later, migrate, prepared
from loyalty.db.engine import Database
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.settings import Settings

RULES, ITEMS = till_sale.RULES, till_sale.ITEMS


class Counter:
    """Counts the statements an operation sends (BEGIN, COMMIT and ROLLBACK are not statements of the work), and
    its round trips: each statement sent alone is one, and so is each sending of the queued writes
    (`loyalty.db.later`, one pipeline on PostgreSQL), however many statements it holds. While `captured` is a list,
    each statement is also kept there: its SQL, its parameters (several: an executemany) and whether it was queued."""

    def __init__(self, show: bool) -> None:
        self.count = 0
        self.round_trips = 0
        self.show = show
        self.captured: list[tuple[str, list[Any], bool]] | None = None
        prepared.observers.append(self.direct)
        self._send = later.send
        later.send = self.send  # type: ignore[assignment]  # the queue's sendings, counted

    def __call__(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.count += 1
            self.round_trips += 1
            self._show(statement)
            if self.captured is not None:
                self.captured.append((statement, list(parameters) if many else [parameters], False))

    def direct(self, statement: str, parameters: Any, queued: bool) -> None:  # sent on the driver's cursor
        self.count += 1
        self.round_trips += not queued
        self._show(f"({'queued' if queued else 'direct'}) {statement}")
        if self.captured is not None:
            self.captured.append((statement, list(parameters) if queued else [parameters], queued))

    def send(self, connection: Any) -> None:
        self.round_trips += bool(connection.info.get(later.QUEUE))
        self._send(connection)

    def reset(self, show: bool) -> None:
        self.count = self.round_trips = 0
        self.show = show

    def _show(self, statement: str) -> None:
        if self.show:
            print("   ", " ".join(statement.split())[:160], file=sys.stderr)


@dataclass
class Figures:
    statements: list[int]
    round_trips: list[int]
    millis: list[float]

    def row(self, backend: str, name: str) -> str:
        ordered = sorted(self.millis)
        p50 = statistics.median(ordered)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        statements, trips = statistics.median(self.statements), statistics.median(self.round_trips)
        return f"| {backend} | {name} | {statements:g} | {trips:g} | {p50:.2f} | {p99:.2f} |"


class Bench:
    def __init__(self, url: str, *, show: bool = False) -> None:
        migrate.upgrade(url)
        self.db = Database(url)
        self.counter = Counter(False)
        self.show = show
        for engine in {self.db.writer, self.db.reader}:
            event.listen(engine, "before_cursor_execute", self.counter)
        self.settings = Settings(database_url=url)
        made = self.db.write(lambda session: access.create_business(session, name="Bench cinema", currency="CHF"))
        with self.db.read() as session:
            self.who: Principal = access.authenticate(session, made.pos_key)
        admin = {"Authorization": f"Bearer {made.admin_key}"}
        self.till = {"Authorization": f"Bearer {made.pos_key}"}
        self.members: list[str] = []
        self.client = TestClient(create_app(self.settings, db=self.db), raise_server_exceptions=True)
        self.admin = admin
        client = self.client.__enter__()
        for rule in RULES:
            client.post("/v1/rules", headers=admin, json=rule).raise_for_status()
        benefit = client.post(
            "/v1/benefits", headers=admin, json={"name": "1.00 off", "kind": "discount", "discount": {"amount": "1"}}
        )
        benefit.raise_for_status()
        self.benefit_id = benefit.json()["id"]
        code = client.post("/v1/codes", headers=admin, json={"code": "BENCH1", "benefit_id": self.benefit_id})
        code.raise_for_status()
        for n in range(20):
            member = client.post("/v1/members", headers=admin, json={"phone": f"+4179{6000000 + n}"})
            member.raise_for_status()
            member_id = member.json()["id"]
            gift = {"points": "100000", "reason": "bench"}
            client.post(f"/v1/members/{member_id}/adjustments", headers=admin, json=gift).raise_for_status()
            self.members.append(member_id)
        self.turn = 0
        self.subscribed = False

    def member(self) -> str:
        self.turn += 1
        return self.members[self.turn % len(self.members)]

    def sale(self, member_id: str, **extra: Any) -> dict[str, Any]:
        return {"transaction_id": f"t-{uuid.uuid4().hex}", "member_id": member_id, "items": ITEMS, **extra}

    def quote(self) -> Callable[[], Any]:
        body = pos.PurchaseIn.model_validate(self.sale(self.member()))
        return lambda: pos.quote(body, who=self.who, db=self.db, settings=self.settings)

    def purchase(self) -> Callable[[], Any]:
        body = pos.PurchaseIn.model_validate(self.sale(self.member(), payments=[{"mop": "card", "amount": "43.50"}]))
        return lambda: pos.confirm(body, who=self.who, db=self.db, settings=self.settings)

    def payment(self) -> Callable[[], Any]:
        paid = {"member_id": self.member(), "transaction_id": f"p-{uuid.uuid4().hex}", "amount": "2.00"}
        body = pos.PointsPaymentIn.model_validate(paid)
        key = uuid.uuid4().hex
        return lambda: pos.pay_with_points(body, who=self.who, db=self.db, idempotency_key=key)

    def purchase_with_payment_and_code(self) -> Callable[[], Any]:
        member_id = self.member()
        granted = self.client.post(
            f"/v1/members/{member_id}/benefits", headers=self.admin, json={"benefit_id": self.benefit_id}
        )
        granted.raise_for_status()
        sale = self.sale(member_id, benefits=[granted.json()["id"]], codes=["BENCH1"])
        paid = {"member_id": member_id, "transaction_id": sale["transaction_id"], "amount": "2.00"}
        pos.pay_with_points(
            pos.PointsPaymentIn.model_validate(paid), who=self.who, db=self.db, idempotency_key=uuid.uuid4().hex
        )
        sale["payments"] = [{"mop": "card", "amount": str(Decimal("41.50") - 2)}]
        body = pos.PurchaseIn.model_validate(sale)
        return lambda: pos.confirm(body, who=self.who, db=self.db, settings=self.settings)

    def purchase_with_webhook(self) -> Callable[[], Any]:
        if not self.subscribed:
            hook = {"url": "https://hooks.example.com/loyalty", "events": ["*"]}
            self.client.post("/v1/webhooks", headers=self.admin, json=hook).raise_for_status()
            self.subscribed = True
        return self.purchase()

    def measure(self, make: Callable[[], Callable[[], Any]], runs: int, warmup: int) -> Figures:
        figures = Figures([], [], [])
        for turn in range(warmup + runs):
            operation = make()
            self.counter.reset(self.show and turn == warmup)
            started = time.perf_counter()
            operation()
            elapsed = (time.perf_counter() - started) * 1000
            if turn >= warmup:
                figures.millis.append(elapsed)
                figures.statements.append(self.counter.count)
                figures.round_trips.append(self.counter.round_trips)
        return figures


@contextmanager
def databases(postgres: str | None) -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        found = [("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if postgres:
            import psycopg

            name = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(postgres.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            found.append(("PostgreSQL", postgres.rsplit("/", 1)[0] + f"/{name}"))
        yield found


# Where a confirmed purchase's time goes: (stage, the functions whose cumulative time it is). A stage of several
# functions adds them up; "the rest" rows are what is left of their parent.
STAGES: list[tuple[str, list[tuple[str, str]]]] = [
    ("whole request (ASGI app)", [("fastapi/applications.py", "__call__")]),
    ("route: the write transaction and its answer", [("api/v1/pos.py", "confirm")]),
    ("key check and the business (1 statement)", [("members/access.py", "still_valid")]),
    ("member read (1)", [("sale/purchases.py", "member_row")]),
    (
        "claim: the purchase row, with what is held back (1); on PostgreSQL the tab with the payments probe (1)",
        [("sale/purchase_rows.py", "insert_once"), ("sale/tab.py", "wait")],
    ),
    ("pricing: the payments probe (1 on SQLite), the rules", [("sale/pricing.py", "price")]),
    ("  of which the rules engine", [("rules/engine.py", "evaluate")]),
    ("award: the balance (1); ledger, lots, rule uses (4 queued)", [("sale/confirmation.py", "_award")]),
    ("lines (1 queued)", [("sale/confirmation.py", "_record_lines")]),
    ("answer (its balance read only under a hold)", [("sale/confirmation.py", "_answer")]),
    ("JSON of the answer", [("sale/confirmation.py", "serialised")]),
    ("settle: the purchase's totals and answer (1 queued)", [("sale/purchase_rows.py", "settle")]),
    ("audit record (1 queued)", [("loyalty/audit.py", "record")]),
    ("webhook outbox (0 when cached)", [("webhooks/outbox.py", "record_event")]),
    ("sending the queued writes (one sending, before COMMIT)", [("db/later.py", "send")]),
    ("COMMIT", [("~", "<method 'commit' of 'sqlite3.Connection' objects>"), ("psycopg/connection.py", "commit")]),
]


def _cumulative(stats: pstats.Stats, functions: list[tuple[str, str]]) -> float:
    total = 0.0
    for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if any(path.endswith(suffix) and name == wanted for suffix, wanted in functions):
            total += cumulative
    return total


def in_process(bench: Bench) -> Callable[[], Coroutine[Any, Any, None]]:
    """One till's confirmed purchase through the ASGI app, called in process as a server calls it (no HTTP client:
    its CPU is the till's, not loyalty's); the route runs inline, not in a worker thread."""
    import anyio.to_thread

    async def inline(function: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return function(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    app = bench.client.app
    headers = [(name.lower().encode(), value.encode()) for name, value in bench.till.items()]
    headers.append((b"content-type", b"application/json"))

    async def one() -> None:
        body = json.dumps(bench.sale(bench.member(), payments=till_sale.PAYMENTS)).encode()
        status = await asgi_request.request(app, "POST", "/v1/purchases", headers, body)
        assert status == 201, status

    return one


def profile(bench: Bench, backend: str, purchases: int, floor_url: str) -> None:
    """One till's confirmed purchases in process (`in_process`): times without a profiler, then the stages."""
    one = in_process(bench)

    async def run() -> tuple[list[float], list[float], pstats.Stats]:
        walls, cpus = await _timed(one, purchases)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(purchases):
            await one()
        profiler.disable()
        return walls, cpus, pstats.Stats(profiler)

    walls, cpus, stats = asyncio.run(run())
    print(
        f"\n{backend}: a confirmed purchase through the ASGI app in process, {purchases} purchases, load average "
        f"{os.getloadavg()[0]:.1f}: wall {statistics.median(walls):.2f} ms, CPU {statistics.median(cpus):.2f} ms "
        "(medians of batches of 25, no profiler)\n"
    )
    floor_wall, floor_cpu = asyncio.run(floor(floor_url, purchases))
    print(
        f"The lean floor (benchmarks/reference.py) called the same way: wall {floor_wall:.2f} ms, "
        f"CPU {floor_cpu:.2f} ms; loyalty's CPU is {statistics.median(cpus) / floor_cpu:.1f} times the floor's\n"
    )
    statements, bare_cpu = statements_alone(bench, one, purchases)
    print(
        f"Its {statements} statements alone, sent again on a bare driver connection (no COMMIT: rolled back each "
        f"time): CPU {bare_cpu:.2f} ms, {bare_cpu / statistics.median(cpus):.0%} of the purchase's\n"
    )
    calls = stats.total_calls / purchases  # type: ignore[attr-defined]
    print(f"Python function calls per purchase (cProfile's count, the same on a busy machine): {calls:,.0f}\n")
    whole = _cumulative(stats, STAGES[0][1])
    print("| stage | ms per purchase under cProfile | share |")
    print("|---|---:|---:|")
    for name, functions in STAGES:
        spent = _cumulative(stats, functions)
        print(f"| {name} | {spent * 1000 / purchases:.2f} | {spent / whole:.0%} |")


class Aborted(Exception):
    """Raised at a captured purchase's COMMIT, so that it is rolled back and can be sent again as it was."""


def statements_alone(bench: Bench, one: Callable[[], Coroutine[Any, Any, None]], purchases: int) -> tuple[int, float]:
    """One purchase's statements (its reads, its writes, those queued to go together), captured from a purchase
    that is rolled back at its COMMIT, then sent again `purchases` times on a bare driver connection, each time in
    a transaction rolled back (the queued ones together, in one pipeline on PostgreSQL, as loyalty sends them):
    their number and their CPU ms per purchase (medians of batches of 25)."""

    def abort(_connection: Any) -> None:
        raise Aborted()

    sent: list[tuple[str, list[Any], bool]] = []
    bench.counter.captured = sent
    event.listen(bench.db.writer, "commit", abort)
    logging.getLogger("loyalty.api").disabled = True  # the aborted purchase's 500 is expected
    try:
        asyncio.run(one())
        raise RuntimeError("the captured purchase was not rolled back")
    except AssertionError:
        pass  # answered 500: rolled back at its COMMIT, as wanted
    finally:
        logging.getLogger("loyalty.api").disabled = False
        event.remove(bench.db.writer, "commit", abort)
        bench.counter.captured = None
    sqlite = bench.db.is_sqlite
    # Statements sent one by one, and on PostgreSQL each run of queued ones in one pipeline.
    batches = [(pipelined, list(group)) for pipelined, group in groupby(sent, key=lambda s: s[2] and not sqlite)]
    pooled = bench.db.writer.raw_connection()
    driver: Any = pooled.driver_connection

    def send(cursor: Any, sql: str, rows: list[Any]) -> None:
        if len(rows) > 1:
            cursor.executemany(sql, rows)
            return
        cursor.execute(sql, rows[0])
        if cursor.description:
            cursor.fetchall()

    async def replay() -> None:
        cursor = driver.cursor()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")  # the connection's own BEGIN, as loyalty's (psycopg begins by itself)
        for pipelined, batch in batches:
            with driver.pipeline() if pipelined else nullcontext():
                for sql, rows, _queued in batch:
                    send(cursor, sql, rows)
        cursor.close()
        driver.rollback()

    try:
        _walls, cpus = asyncio.run(_timed(replay, purchases))
    finally:
        pooled.close()
    return len(sent), statistics.median(cpus)


async def floor(url: str, purchases: int) -> tuple[float, float]:
    """The lean floor's confirmed purchase (`reference.py`, on a fresh database of the same kind) through its ASGI app
    in process, as `profile` calls loyalty's: its wall and CPU per purchase, medians of batches of 25."""
    members = reference.prepare(url, 50)
    app = reference.create_app(url)
    headers = [(b"content-type", b"application/json")]

    async def one() -> None:
        body = json.dumps(
            {"transaction_id": f"t-{uuid.uuid4().hex}", "member_id": random.choice(members), "items": ITEMS}
        )
        assert await asgi_request.request(app, "POST", "/v1/purchases", headers, body.encode()) == 201

    walls, cpus = await _timed(one, purchases)
    return statistics.median(walls), statistics.median(cpus)


async def _timed(one: Callable[[], Awaitable[None]], purchases: int) -> tuple[list[float], list[float]]:
    """`one` run 30 times to warm up, then `purchases` times in batches of 25: the wall and CPU ms per run of each
    batch (no profiler)."""
    for _ in range(30):
        await one()
    walls, cpus = [], []
    for _ in range(max(1, purchases // 25)):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(25):
            await one()
        walls.append((time.perf_counter() - wall) * 1000 / 25)
        cpus.append((time.process_time() - cpu) * 1000 / 25)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--show", action="store_true", help="print one run's statements of each operation (stderr)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N purchases through HTTP instead")
    arguments = parser.parse_args()
    if arguments.profile:
        postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
        with databases(postgres) as found, databases(postgres) as floors:
            for (backend, url), (_, floor_url) in zip(found, floors, strict=True):
                bench = Bench(url)
                profile(bench, backend, arguments.profile, floor_url)
                bench.client.__exit__(None, None, None)
                bench.db.dispose()
        return
    print("| database | operation | statements | round trips | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|")
    with databases(os.environ.get("LOYALTY_TEST_POSTGRES_URL")) as found:
        for backend, url in found:
            bench = Bench(url, show=arguments.show)
            operations = {
                "quote": bench.quote,
                "purchase": bench.purchase,
                "points payment": bench.payment,
                "purchase + payment + benefit + code": bench.purchase_with_payment_and_code,
                "purchase, webhook subscribed": bench.purchase_with_webhook,
            }
            for name, make in operations.items():
                runs = arguments.runs if "code" not in name else max(20, arguments.runs // 5)
                print(bench.measure(make, runs, arguments.warmup).row(backend, name), flush=True)
            bench.client.__exit__(None, None, None)
            bench.db.dispose()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
