"""Identification at 10,000 / 100,000 / 1,000,000 members: does a lookup stay flat as the members grow?

    .venv/bin/python benchmarks/identification.py [--sizes 10k,100k,1M] [--samples 1000] [--http 300] [--explain]
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/identification.py   # SQLite and PostgreSQL

For each database and size: a fresh database (`loyalty db upgrade`), one business (6-digit codes, as a business
of that size would choose), and the members written straight in with Core bulk inserts, spelled as the app stores
them (E.164 phones, lower-case addresses, the keyed hashes of `identification.digest`). Beside them: a live code
for each member a code or QR lookup will use, a tenth of the members' worth of expired codes left behind, and a
few failed attempts in the window and many older ones, so the limits have something to count.

Then `--samples` lookups per way, each for a different random member, through `identification.identify` in one
write transaction with the business read, as `POST /v1/identify` runs it (the till's spellings: "079 ..." for
a phone, mixed case for an address; a code or QR is spent by its lookup). The sizes take turns lookup by lookup,
so the noise of a busy machine falls on all of them alike. The table gives p50 / p99 per way and size, the ratio
of each to the smallest size, and the SQL statements one identification runs. `--http N` also sends N
identifications per way through a real `loyalty serve` (one per size, smallest and largest, taking turns), one
request at a time on one kept-alive connection per size, as a till sends them. `--explain` prints the plan of every
statement one identification runs, at the largest size.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loyalty.db import prepared  # noqa: E402
from loyalty.db.engine import Database  # noqa: E402
from loyalty.db.models import Business, IdentificationCode, IdentifyFailure, Member, now  # noqa: E402
from loyalty.members import access, identification  # noqa: E402
from loyalty.members import accounts as members  # noqa: E402
from loyalty.settings import Settings  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

WAYS = ("phone", "email", "member_number", "code", "qr")
BATCH = 10_000
WARM = 20
CODE_LENGTH = 6


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def loyalty(*args: str, url: str) -> str:
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, check=True, timeout=600
    ).stdout


def new_postgres_database(server_url: str) -> str:
    import psycopg

    name = f"ident_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


# --- the members, as the app would have stored them -----------------------------------------------


def phone_of(n: int) -> str:
    return f"+4179{n:07d}"  # a Swiss mobile number, E.164


def local_phone_of(n: int) -> str:
    """The same number as a till types it."""
    digits = f"079{n:07d}"
    return f"{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}"


def email_of(n: int) -> str:
    return f"Member.{n}@Example.com"


def member_number_of(n: int) -> str:
    return f"M{n:08d}"


@dataclass
class Seeded:
    business_id: uuid.UUID
    terminal_id: uuid.UUID
    pos_key: str
    size: int
    codes: list[str] = field(default_factory=list)  # live codes, one per member it names
    qrs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def seed(db: Database, size: int, live: int) -> Seeded:
    began = time.perf_counter()
    made = db.write(lambda session: access.create_business(session, name=f"Bench {size}", currency="CHF"))
    business_id, terminal_id = made.business.id, made.terminal.id
    with db.writer.begin() as connection:
        connection.execute(
            update(Business).where(Business.id == business_id).values(identification_code_length=CODE_LENGTH)
        )
    at = now() - timedelta(days=30)
    for start in range(0, size, BATCH):
        rows = [
            {
                "id": uuid.uuid4(),
                "business_id": business_id,
                "phone": phone_of(n),
                "email": members.normalise_email(email_of(n)),
                "member_number": members.normalise_member_number(member_number_of(n)),
                "first_name": "Ada",
                "last_name": f"Member {n}",
                "status": "active",
                "tags": [],
                "consent_terms": True,
                "consent_sms": False,
                "consent_email": False,
                "points_balance": 0,
                "lifetime_points": 0,
                "credit_balance": 0,
                "created_at": at,
                "phone_verified_at": at,
                "email_verified_at": at,
                "joined_at": at,
            }
            for n in range(start, min(start + BATCH, size))
        ]
        with db.writer.begin() as connection:
            connection.execute(insert(Member), rows)
    seeded = Seeded(business_id, terminal_id, made.pos_key, size)
    # Live codes for the members the code and QR lookups will name, and expired ones nobody cleared.
    expired = size // 10
    values = random.sample(range(10**CODE_LENGTH), live + expired)
    with db.writer.begin() as connection:
        ids = [
            row[0]
            for row in connection.execute(Member.__table__.select().with_only_columns(Member.id).limit(live + expired))
        ]
    rows = []
    for index, (member_id, value) in enumerate(zip(ids, values, strict=True)):
        code, qr = f"{value:0{CODE_LENGTH}d}", secrets.token_urlsafe(identification.QR_BYTES)
        alive = index < live
        if alive:
            seeded.codes.append(code)
            seeded.qrs.append(qr)
        rows.append(
            {
                "id": uuid.uuid4(),
                "business_id": business_id,
                "member_id": member_id,
                "code_hash": identification.digest(business_id, "code", code),
                "qr_hash": identification.digest(business_id, "qr", qr),
                "code": code if alive else "",
                "qr": qr if alive else "",
                "created_at": at if not alive else now(),
                "expires_at": at + timedelta(minutes=5) if not alive else now() + timedelta(days=1),
            }
        )
    with db.writer.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(IdentificationCode), rows[start : start + BATCH])
        # Failed attempts for the limits to count: a few of this till's and other tills' in the window, and many
        # from yesterday that no failure since has cleared away.
        failures = [(terminal_id, now())] * 5 + [(None, now())] * 100 + [(None, at)] * 20_000
        connection.execute(
            insert(IdentifyFailure),
            [
                {"id": uuid.uuid4(), "business_id": business_id, "terminal_id": till, "at": when}
                for till, when in failures
            ],
        )
    # Settle the load before timing, as a database that has been running a while is: PostgreSQL vacuumed and
    # analysed (autovacuum would do it during the first timed way otherwise), SQLite's WAL written back.
    if db.is_sqlite:
        raw = db.writer.raw_connection()  # outside any transaction, which a checkpoint needs
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        raw.close()
    else:
        with db.writer.connect() as connection:
            settled = connection.execution_options(isolation_level="AUTOCOMMIT")
            settled.exec_driver_sql("VACUUM ANALYZE")
            settled.exec_driver_sql("CHECKPOINT")
    seeded.seconds = time.perf_counter() - began
    return seeded


# --- timing ---------------------------------------------------------------------------------------


def value_for(way: str, seeded: Seeded, n: int) -> str:
    """The n-th value of a way, spelled as a till sends it."""
    if way == "phone":
        return local_phone_of(n)
    if way == "email":
        return email_of(n).upper()
    if way == "member_number":
        return f" {member_number_of(n)} "
    return (seeded.codes if way == "code" else seeded.qrs)[n]


def pick(way: str, seeded: Seeded, count: int, used: set[int]) -> list[int]:
    """`count` members not looked up before (codes are spent once)."""
    if way in ("code", "qr"):
        # A row holds a code and a QR and either lookup spends it: codes take the even rows, QRs the odd ones.
        first = 0 if way == "code" else 1
        free = [n for n in range(first, len(seeded.codes), 2) if n not in used][:count]
    else:
        free = [n for n in random.sample(range(seeded.size), count * 2 + len(used)) if n not in used][:count]
    used.update(free)
    return free


def identify_once(db: Database, seeded: Seeded, settings: Settings, way: str, value: str) -> None:
    def work(session: Any) -> None:
        business = access.business(session, seeded.business_id)
        found = identification.identify(
            session,
            business=business,
            terminal_id=seeded.terminal_id,
            way=way,
            value=value,
            settings=settings,
            at=now(),
        )
        if found is None:
            raise AssertionError(f"{way} {value!r} found nobody")

    db.write(work)


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) run on the writer while the block runs, BEGIN left out."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append((statement, parameters))

    def direct(statement: str, parameters: Any, queued: bool) -> None:  # on the driver's cursor (loyalty.db.later)
        seen.append((statement, parameters[0] if queued else parameters))

    event.listen(db.writer, "before_cursor_execute", note)
    prepared.observers.append(direct)
    try:
        yield seen
    finally:
        event.remove(db.writer, "before_cursor_execute", note)
        prepared.observers.remove(direct)


def explain(db: Database, seen: list[tuple[str, Any]]) -> list[str]:
    out = []
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.writer.connect() as connection:
        for statement, parameters in seen:
            if statement.strip().upper() in ("COMMIT", "ROLLBACK") or statement.upper().startswith(
                ("SAVEPOINT", "RELEASE")
            ):
                continue
            plan = connection.exec_driver_sql(prefix + statement, parameters).all()
            text = "\n".join("    " + " ".join(str(part) for part in row[-1:]) for row in plan)
            out.append(f"  {' '.join(statement.split())[:160]}\n{text}")
        connection.rollback()
    return out


@dataclass
class Figures:
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    statements: int = 0
    cpu_p50_ms: float = 0.0  # this process's CPU time: what a busy machine's waits leave out
    cpu_p99_ms: float = 0.0


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def interleaved(runs: list[Callable[[str], None]], values: list[list[str]], warm: int) -> list[Figures]:
    """The figures of each run over its values, the runs taking turns lookup by lookup: the machine's noise then
    falls on every size alike, and the ratios between them stay fair."""
    wall: list[list[float]] = [[] for _ in runs]
    cpu: list[list[float]] = [[] for _ in runs]
    for index in range(len(values[0])):
        for which in random.sample(range(len(runs)), len(runs)):
            began, began_cpu = time.perf_counter(), time.process_time()
            runs[which](values[which][index])
            if index >= warm:
                wall[which].append((time.perf_counter() - began) * 1000)
                cpu[which].append((time.process_time() - began_cpu) * 1000)
    return [
        Figures(percentile(w, 0.5), percentile(w, 0.99), 0, percentile(c, 0.5), percentile(c, 0.99))
        for w, c in zip(wall, cpu, strict=True)
    ]


@dataclass
class Prepared:
    size: int
    url: str
    db: Database
    seeded: Seeded
    used: dict[str, set[int]] = field(default_factory=lambda: {way: set() for way in WAYS})


def measure(
    prepared: list[Prepared], settings: Settings, samples: int, want_plans: bool
) -> tuple[dict[tuple[int, str], Figures], list[str]]:
    results: dict[tuple[int, str], Figures] = {}
    plans: list[str] = []
    for way in WAYS:
        values = []
        for one in prepared:
            chosen = pick(way, one.seeded, samples + WARM + 1, one.used[way])
            values.append([value_for(way, one.seeded, n) for n in chosen])
            with statements(one.db) as seen:
                identify_once(one.db, one.seeded, settings, way, values[-1].pop())
            results[(one.size, way)] = Figures(0, 0, len(seen))
            if want_plans and one is prepared[-1]:
                plans.append(f"{way}:")
                plans += explain(one.db, seen)
        runs = [
            lambda value, one=one, way=way: identify_once(one.db, one.seeded, settings, way, value)  # type: ignore[misc]
            for one in prepared
        ]
        for one, figures in zip(prepared, interleaved(runs, values, WARM), strict=True):
            figures.statements = results[(one.size, way)].statements
            results[(one.size, way)] = figures
    return results, plans


class Till:
    """One till's kept-alive connection to a server, on the standard library's HTTP client: its own cost is a
    small part of a request's (httpx, used before, added about 0.5 ms of its own to each)."""

    def __init__(self, url: str, key: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def identify(self, way: str, value: str) -> None:
        self.connection.request("POST", "/v1/identify", body=json.dumps({way: value}), headers=self.headers)
        answer = self.connection.getresponse()
        text = answer.read()
        if answer.status != 200:
            raise AssertionError(f"{way}: {answer.status} {text!r}")

    def close(self) -> None:
        self.connection.close()


def measure_http(prepared: list[Prepared], count: int) -> dict[tuple[int, str], Figures]:
    """`POST /v1/identify` on a `loyalty serve` per size, the servers taking turns request by request."""
    servers = [LiveServer(one.url).start() for one in prepared]
    results = {}
    try:
        for way in WAYS:
            values = [
                [value_for(way, one.seeded, n) for n in pick(way, one.seeded, count + WARM, one.used[way])]
                for one in prepared
            ]
            # A connection per way: none idles long enough for the server to close it.
            tills = [Till(server.url, one.seeded.pos_key) for server, one in zip(servers, prepared, strict=True)]
            runs = [functools.partial(till.identify, way) for till in tills]
            for one, figures in zip(prepared, interleaved(runs, values, WARM), strict=True):
                results[(one.size, way)] = figures
            for till in tills:
                till.close()
    finally:
        for server in servers:
            server.stop()
    return results


def print_table(title: str, rows: dict[tuple[str, int, str], Figures], service: bool) -> None:
    """Wall-clock p50/p99 and their ratio to the smallest size; for the service also this process's CPU time
    (all of SQLite's work, only the client's side of PostgreSQL's) and the statements one identification runs."""
    print(f"\n{title}\n")
    heads = ["database", "members", "way", "p50 ms", "p99 ms", "p50 ×", "p99 ×"]
    heads += ["cpu p50", "cpu p99", "cpu p99 ×", "statements"] if service else []
    print("| " + " | ".join(heads) + " |")
    print("|" + "|".join("-" * (len(head) + 2) for head in heads) + "|")
    smallest = min(size for _, size, _ in rows)
    for (name, size, way), figures in rows.items():
        first = rows[(name, smallest, way)]
        cells = [name, f"{size:,}", way, f"{figures.p50_ms:.2f}", f"{figures.p99_ms:.2f}"]
        cells += [f"{figures.p50_ms / first.p50_ms:.2f}", f"{figures.p99_ms / first.p99_ms:.2f}"]
        if service:
            cells += [f"{figures.cpu_p50_ms:.2f}", f"{figures.cpu_p99_ms:.2f}"]
            cells += [f"{figures.cpu_p99_ms / first.cpu_p99_ms:.2f}", str(figures.statements)]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,1M", help="member counts, e.g. 10k,100k,1M")
    parser.add_argument("--samples", type=int, default=1000, help="timed identifications per way and size")
    parser.add_argument(
        "--http",
        type=int,
        default=300,
        help="identifications per way over HTTP, at the smallest and largest size (0: none)",
    )
    parser.add_argument("--explain", action="store_true", help="print the plan of each statement at the largest size")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    sizes = sorted(parse_size(part) for part in args.sizes.split(","))
    settings = Settings.from_env()
    live = 2 * (args.samples + args.http + 2 * WARM + 10)

    backends: list[tuple[str, Callable[[], str]]] = []
    folder = Path(tempfile.mkdtemp(prefix="ident-bench-"))
    if not args.postgres_only:
        backends.append(("SQLite", lambda: f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"))
    postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
    if postgres and not args.sqlite_only:
        backends.append(("PostgreSQL", lambda: new_postgres_database(postgres)))

    service: dict[tuple[str, int, str], Figures] = {}
    http: dict[tuple[str, int, str], Figures] = {}
    seeding: list[str] = []
    for name, make_url in backends:
        prepared = []
        for size in sizes:
            url = make_url()
            loyalty("db", "upgrade", url=url)
            db = Database(url)
            seeded = seed(db, size, live)
            seeding.append(f"{name} {size:,} in {seeded.seconds:.0f} s")
            print(f"{name} {size:,} members seeded in {seeded.seconds:.1f} s", file=sys.stderr, flush=True)
            prepared.append(Prepared(size, url, db, seeded))
        results, plans = measure(prepared, settings, args.samples, args.explain)
        service |= {(name, size, way): figures for (size, way), figures in results.items()}
        if plans:
            print(f"\nPlans on {name} at {sizes[-1]:,} members (one identification per way):", file=sys.stderr)
            print("\n".join(plans), file=sys.stderr)
        if args.http:
            ends = [prepared[0], prepared[-1]] if len(prepared) > 1 else prepared
            found = measure_http(ends, args.http)
            http |= {(name, size, way): figures for (size, way), figures in found.items()}
        for one in prepared:
            one.db.dispose()
            if one.url.startswith("sqlite"):
                for suffix in ("", "-wal", "-shm"):
                    Path(one.url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)

    print_table(
        "Identification through `identification.identify` (one write transaction with the business read), "
        f"{args.samples} per way and size, sizes taking turns; × is the ratio to the smallest size",
        service,
        service=True,
    )
    if http:
        print_table(
            f"`POST /v1/identify` through `loyalty serve` (1 worker per size, the sizes taking turns), {args.http} per "
            "way, one request at a time on a kept-alive connection",
            http,
            service=False,
        )
    print("\nSeeding: " + ", ".join(seeding))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
