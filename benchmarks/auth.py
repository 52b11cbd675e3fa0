"""What a request pays to know its caller: the key check and the business read, on SQLite and PostgreSQL.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/auth.py     # both databases
    .venv/bin/python benchmarks/auth.py                                   # SQLite only

Two parts, each on a fresh database with one business, its keys and one member:

- In process (no network, no HTTP parsing): the ASGI application is called directly, one request at a time.
  `GET /v1/health/live` touches neither key nor database: it is the floor of the stack. `GET /v1/business` does
  nothing but check the admin key and read the business, so the difference between the two is what the key and
  the business cost a request. `GET /v1/members/{id}` (pos key) is a cheap real read. For each, the best (the
  cost without contention), median and p99 microseconds, the CPU microseconds of this process (on SQLite the
  database's work is in it, on PostgreSQL the server's is not), and per request the SQL statements, the
  transactions and the pool checkouts that SQLAlchemy's events see (on PostgreSQL a checkout can cost a ping too:
  every checkout under pool_pre_ping, only one after a rest in the pool under loyalty's own ping).
- Served: `loyalty serve` (--sqlite-workers / --postgres-workers processes) under wrk with --clients connections
  on `GET /v1/members/{id}` with a pos key: requests/s, p50 and p99 ms.

Figures are medians over --rounds rounds. The script runs against whichever `loyalty` the interpreter imports, so
running it with another checkout's interpreter gives that checkout's figures in the same conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asgi_request  # noqa: E402  (a sibling: benchmarks/ is the script's folder)

from loyalty.api.app import create_app  # noqa: E402
from loyalty.db import migrate  # noqa: E402
from loyalty.db.engine import Database  # noqa: E402
from loyalty.db.models import now  # noqa: E402
from loyalty.members import access  # noqa: E402
from loyalty.members import accounts as members  # noqa: E402
from loyalty.settings import Settings  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402


@dataclass(frozen=True)
class Tenant:
    business_id: str
    admin_key: str
    pos_key: str
    member_id: str


def make_tenant(db: Database) -> Tenant:
    def work(session: Any) -> Tenant:
        made = access.create_business(session, name="Bench shop", currency="CHF", country="CH")
        member = members.register(
            session, business=made.business, phone="+41 79 555 00 01", first_name="Ada", actor="bench", at=now()
        )
        return Tenant(str(made.business.id), made.admin_key, made.pos_key, str(member.id))

    return db.write(work)


class Counter:
    """Statements, transactions and pool checkouts of one Database, as SQLAlchemy's events see them."""

    def __init__(self, db: Database) -> None:
        self.statements = self.transactions = self.checkouts = 0
        engines = {id(db.writer): db.writer, id(db.reader): db.reader}.values()
        for engine in engines:
            event.listen(engine, "before_cursor_execute", self._statement)
            event.listen(engine, "begin", self._begin)
            event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN is counted as a transaction
            self.statements += 1

    def _begin(self, _conn: Any) -> None:
        self.transactions += 1

    def _checkout(self, *_: Any) -> None:
        self.checkouts += 1

    def snapshot(self) -> tuple[int, int, int]:
        return self.statements, self.transactions, self.checkouts


async def call(app: Any, path: str, key: str | None) -> int:
    """One GET straight into the ASGI application; its status."""
    headers = [(b"authorization", f"Bearer {key}".encode())] if key else []
    return await asgi_request.request(app, "GET", path, headers)


@dataclass
class InProcess:
    best_us: float
    median_us: float
    p99_us: float
    cpu_us: float
    statements: float
    transactions: float
    checkouts: float


def in_process(url: str, requests: int, rounds: int) -> dict[str, InProcess]:
    db = Database(url)
    tenant = make_tenant(db)
    app = create_app(Settings(database_url=url), db=db)
    counter = Counter(db)
    cases = {
        "GET /v1/health/live (floor)": ("/v1/health/live", None),
        "GET /v1/business (key + business)": ("/v1/business", tenant.admin_key),
        "GET /v1/members/{id}": (f"/v1/members/{tenant.member_id}", tenant.pos_key),
    }
    results: dict[str, InProcess] = {}

    async def run() -> None:
        for name, (path, key) in cases.items():
            for _ in range(50):  # warm-up: compiled statements, connections, caches
                assert await call(app, path, key) == 200, name
            bests, medians, p99s = [], [], []
            before = counter.snapshot()
            cpu = time.process_time()
            for _ in range(rounds):
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    await call(app, path, key)
                    times.append(time.perf_counter() - started)
                times.sort()
                bests.append(times[0] * 1e6)
                medians.append(times[len(times) // 2] * 1e6)
                p99s.append(times[int(len(times) * 0.99)] * 1e6)
            cpu_us = (time.process_time() - cpu) / (requests * rounds) * 1e6
            after = counter.snapshot()
            per = [(a - b) / (requests * rounds) for a, b in zip(after, before, strict=True)]
            results[name] = InProcess(min(bests), statistics.median(medians), statistics.median(p99s), cpu_us, *per)

    try:
        asyncio.run(run())
    finally:
        db.dispose()
    return results


@dataclass
class Served:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["Authorization"] = "%(authorization)s"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


def wrk(base_url: str, path: str, key: str, clients: int, seconds: float) -> Served:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(WRK_SCRIPT % {"authorization": f"Bearer {key}"})
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:.0f}s", "--latency", "-s", file.name]
    out = subprocess.run(
        [*command, base_url + path], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    os.unlink(file.name)
    requests, errors, p50_us, p99_us, duration_us = map(int, out.split("RESULT")[1].split())
    return Served((requests - errors) / (duration_us / 1e6), p50_us / 1000, p99_us / 1000, errors)


def served(url: str, workers: int, args: argparse.Namespace) -> list[Served]:
    db = Database(url)
    try:
        tenant = make_tenant(db)
    finally:
        db.dispose()
    server = LiveServer(url, workers=workers).start()
    path = f"/v1/members/{tenant.member_id}"
    try:
        assert httpx.get(server.url + path, headers={"Authorization": f"Bearer {tenant.pos_key}"}).status_code == 200
        wrk(server.url, path, tenant.pos_key, args.clients, 2)  # warm-up
        return [wrk(server.url, path, tenant.pos_key, args.clients, args.seconds) for _ in range(args.rounds)]
    finally:
        server.stop()


def new_postgres_database(server_url: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="in-process requests per round and case")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--postgres-workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-served", action="store_true", help="the in-process part only")
    args = parser.parse_args()

    inside: dict[str, dict[str, InProcess]] = {}
    outside: dict[str, list[Served]] = {}
    with tempfile.TemporaryDirectory() as folder:
        backends = [("SQLite", f"sqlite:///{Path(folder) / 'a.db'}", f"sqlite:///{Path(folder) / 'b.db'}")]
        postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
        if postgres:
            backends.append(("PostgreSQL", new_postgres_database(postgres), new_postgres_database(postgres)))
        for name, url, served_url in backends:
            migrate.upgrade(url)
            inside[name] = in_process(url, args.requests, args.rounds)
            if not args.no_served:
                migrate.upgrade(served_url)
                workers = args.sqlite_workers if name == "SQLite" else args.postgres_workers
                outside[name] = served(served_url, workers, args)

    print(f"\nIn process, one request at a time, {args.requests} x {args.rounds} rounds (medians)\n")
    print("| database | request | best µs | median µs | p99 µs | CPU µs | statements | transactions | checkouts |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    for database, cases in inside.items():
        for case, r in cases.items():
            print(
                f"| {database} | {case} | {r.best_us:.0f} | {r.median_us:.0f} | {r.p99_us:.0f} | {r.cpu_us:.0f} "
                f"| {r.statements:.1f} | {r.transactions:.1f} | {r.checkouts:.1f} |"
            )
        floor, key = cases["GET /v1/health/live (floor)"], cases["GET /v1/business (key + business)"]
        print(
            f"| {database} | key + business = difference | {key.best_us - floor.best_us:.0f} "
            f"| {key.median_us - floor.median_us:.0f} | "
            f"| {key.cpu_us - floor.cpu_us:.0f} | | | |"
        )
    if outside:
        print(
            f"\nServed: GET /v1/members/{{id}} with a pos key, wrk {args.clients} connections, workers: SQLite "
            f"{args.sqlite_workers}, PostgreSQL {args.postgres_workers}, {args.seconds:.0f} s x {args.rounds} rounds\n"
        )
        print("| database | requests/s | p50 ms | p99 ms | errors |")
        print("|---|--:|--:|--:|--:|")
        for database, rounds in outside.items():
            print(
                f"| {database} | {statistics.median(r.requests_per_second for r in rounds):.0f} "
                f"| {statistics.median(r.p50_ms for r in rounds):.1f} "
                f"| {statistics.median(r.p99_ms for r in rounds):.1f} | {sum(r.errors for r in rounds)} |"
            )


if __name__ == "__main__":
    main()
