"""Confirmed purchases per second at N concurrent tills and for one till alone, on SQLite and PostgreSQL, beside
a minimal reference endpoint on the same stack and beside pgbench.

    LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh .venv/bin/python benchmarks/pos.py   # both (make bench)
    .venv/bin/python benchmarks/pos.py                                     # SQLite only
    .venv/bin/python benchmarks/pos.py --quick                             # 1 round of 5 s, to try things

Each backend gets a fresh database, a business with two active rules and 200 members, and `loyalty serve`
(--sqlite-workers and --postgres-workers processes: one writer at a time is SQLite's nature, so one worker
serves it best). Beside it, with the same workers on its own database of the same kind (a SQLite file; a
database in the same PostgreSQL cluster), runs benchmarks/reference.py: FastAPI + SQLAlchemy Core behind the
same uvicorn, writing only one idempotency row, one ledger entry and one balance update per purchase.

Each round, for --seconds each and one after the other so that both see the same noise: wrk with --clients
connections (2 threads) confirms purchases of three lines for random members on loyalty, then the same body on
the reference; on PostgreSQL, pgbench's built-in TPC-B-like script runs with the same client count (scale =
clients, so branches do not serialise it) on the same cluster; then one till alone (wrk -t 1 -c 1: one
connection, each request sent when the previous answer arrived: the reference's p50 bounds what wrk, HTTP
and a commit add) on loyalty and on the reference. Only 201 answers count; anything else is an error. The ratios
are taken within each round, then the median over --rounds rounds is printed, like every other figure. Peak
memory is the sum of loyalty's server processes' VmHWM. The machine is small and noisy: read ratios, not
absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import reference, till_sale  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402


@dataclass
class Run:
    """One wrk run."""

    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class Round:
    loyalty: Run
    reference: Run
    loyalty_alone: Run
    reference_alone: Run
    pgbench_tps: float | None
    peak_mb: float


@dataclass
class Backend:
    name: str
    workers: int
    rounds: list[Round] = field(default_factory=list)


def loyalty(*args: str, url: str) -> str:
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, check=True, timeout=300
    ).stdout


def prepare(url: str, server: LiveServer, members: int) -> tuple[dict[str, str], list[str]]:
    keys = json.loads(loyalty("business", "create", "Bench cinema", "--currency", "CHF", "--json", url=url))
    admin = {"Authorization": f"Bearer {keys['admin_key']}"}
    with httpx.Client(base_url=server.url, timeout=30, headers=admin) as client:
        for rule in till_sale.RULES:
            client.post("/v1/rules", json=rule).raise_for_status()
        ids = []
        for n in range(members):
            made = client.post("/v1/members", json={"phone": f"+4179{5000000 + n}"})
            made.raise_for_status()
            ids.append(made.json()["id"])
    return {"Authorization": f"Bearer {keys['pos_key']}"}, ids


class ReferenceServer(LiveServer):
    """benchmarks/reference.py on a free loopback port, stopped like `loyalty serve`."""

    def start(self, timeout: float = 60) -> ReferenceServer:
        env = os.environ | {"LOYALTY_DATABASE_URL": self.database_url}
        command = [sys.executable, str(Path(reference.__file__)), "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"reference server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("reference server did not become healthy")


SALE = {"transaction_id": "%s", "member_id": "%s", "items": till_sale.ITEMS, "payments": till_sale.PAYMENTS}

# wrk drives the load: a C client leaves the two cores to the server and the database. Each request is a new
# purchase (a unique transaction id per thread and request) for a random member.
WRK_SCRIPT = """
local members = {%(members)s}
local template = [[%(template)s]]
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "%(authorization)s"
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format(template, "%(run)s-" .. tid .. "-" .. counter, members[math.random(#members)])
  return wrk.format(nil, "/v1/purchases", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""


@dataclass
class Target:
    """A server wrk can confirm purchases on."""

    url: str
    authorization: str
    members: list[str]

    def load(self, clients: int, seconds: float) -> Run:
        """One wrk run of `clients` connections (1 thread for one client, else 2)."""
        script = WRK_SCRIPT % {
            "members": ", ".join(f'"{member}"' for member in self.members),
            "template": json.dumps(SALE),
            "authorization": self.authorization,
            "run": uuid.uuid4().hex[:8],
        }
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(script)
        threads = str(min(2, clients))
        command = ["wrk", "-t", threads, "-c", str(clients), "-d", f"{seconds:.0f}s", "-s", file.name, self.url]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
        os.unlink(file.name)
        requests, errors, p50_us, p99_us, duration_us = map(int, out.split("RESULT")[1].split())
        return Run((requests - errors) / (duration_us / 1e6), p50_us / 1000, p99_us / 1000, errors)


def peak_memory_mb(server: LiveServer) -> float:
    """The sum of VmHWM over the server process and its workers."""
    assert server.process is not None
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total_kb = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            total_kb += int(match.group(1)) if match else 0
    return total_kb / 1024


def run_backend(
    backend: Backend, url: str, reference_url: str, pgbench: Pgbench | None, args: argparse.Namespace
) -> None:
    server = LiveServer(url, workers=backend.workers).start()
    yardstick = ReferenceServer(reference_url, workers=backend.workers)
    try:
        pos, members = prepare(url, server, args.members)
        ours = Target(server.url, pos["Authorization"], members)
        reference_members = reference.prepare(reference_url, args.members)
        theirs = Target(yardstick.start().url, "", reference_members)
        for target in (ours, theirs):
            target.load(args.clients, args.warmup)  # connections, caches, the first rows of each table
        for _ in range(args.rounds):
            loaded, reference_loaded = ours.load(args.clients, args.seconds), theirs.load(args.clients, args.seconds)
            tps = pgbench.run(args.seconds) if pgbench else None
            alone, reference_alone = ours.load(1, args.seconds), theirs.load(1, args.seconds)
            peak = peak_memory_mb(server)
            backend.rounds.append(Round(loaded, reference_loaded, alone, reference_alone, tps, peak))
    finally:
        server.stop()
        yardstick.stop()


def new_postgres_database(server_url: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


class Pgbench:
    """pgbench's TPC-B-like script on a database of its own in the cluster, initialised once."""

    def __init__(self, server_url: str, clients: int) -> None:
        host, port = re.search(r"@([^:/]+):(\d+)/", server_url).groups()  # type: ignore[union-attr]
        self.binary = str(Path(os.environ.get("LOYALTY_TEST_PGBIN", "/usr/lib/postgresql/15/bin")) / "pgbench")
        self.common = ["-h", host, "-p", port, "-U", "postgres"]
        self.clients = clients
        self.database = new_postgres_database(server_url).rsplit("/", 1)[1]
        init = [self.binary, *self.common, "-i", "-q", "-s", str(clients), self.database]
        subprocess.run(init, check=True, capture_output=True)

    def run(self, seconds: float) -> float:
        command = [self.binary, *self.common, "-n", "-c", str(self.clients), "-j", "2", "-T", f"{seconds:.0f}"]
        out = subprocess.run([*command, self.database], check=True, capture_output=True, text=True).stdout
        return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


def med(rounds: list[Round], figure: Callable[[Round], float]) -> float:
    return statistics.median(figure(r) for r in rounds)


def to_pgbench(rounds: list[Round], figure: Callable[[Round], float]) -> str:
    """A figure ÷ pgbench's tps of the same round, median over the rounds ("" without pgbench)."""
    ratios = [figure(r) / r.pgbench_tps for r in rounds if r.pgbench_tps]
    return f"{statistics.median(ratios):.3f}" if ratios else ""


def report(backends: list[Backend], args: argparse.Namespace) -> None:
    workers = ", ".join(f"{backend.name} {backend.workers}" for backend in backends)
    print(
        f"\nConfirmed purchases, {args.clients} concurrent clients; server workers (loyalty and reference): {workers};"
        f" {args.seconds:.0f} s x {args.rounds} round(s), medians;"
        f" load average {os.getloadavg()[1]:.1f} over the last 5 minutes on {os.cpu_count()} cores\n"
    )
    print("| database | purchases/s | p50 ms | p99 ms | errors | peak MB | reference req/s | ÷ reference | ÷ pgbench |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in backends:
        ours = b.rounds
        print(
            f"| {b.name} | {med(ours, lambda r: r.loyalty.per_second):.0f} "
            f"| {med(ours, lambda r: r.loyalty.p50_ms):.1f} | {med(ours, lambda r: r.loyalty.p99_ms):.1f} "
            f"| {sum(r.loyalty.errors for r in ours)} | {max(r.peak_mb for r in ours):.0f} "
            f"| {med(ours, lambda r: r.reference.per_second):.0f} "
            f"| {med(ours, lambda r: r.loyalty.per_second / r.reference.per_second):.3f} "
            f"| {to_pgbench(ours, lambda r: r.loyalty.per_second)} |"
        )

    print(f"\nThe reference endpoint, {args.clients} clients, and pgbench (TPC-B-like) on the same cluster\n")
    print("| database | reference req/s | p50 ms | p99 ms | errors | pgbench tps | reference ÷ pgbench |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for b in backends:
        ours = b.rounds
        pgbench = f"{med(ours, lambda r: r.pgbench_tps or 0):.0f}" if ours[0].pgbench_tps else ""
        print(
            f"| {b.name} | {med(ours, lambda r: r.reference.per_second):.0f} "
            f"| {med(ours, lambda r: r.reference.p50_ms):.1f} | {med(ours, lambda r: r.reference.p99_ms):.1f} "
            f"| {sum(r.reference.errors for r in ours)} | {pgbench} "
            f"| {to_pgbench(ours, lambda r: r.reference.per_second)} |"
        )

    print("\nOne till alone (wrk -t 1 -c 1: each purchase sent when the previous answer arrived)\n")
    print("| database | purchases/s | p50 ms | p99 ms | errors | reference p50 ms | reference p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for b in backends:
        ours = b.rounds
        print(
            f"| {b.name} | {med(ours, lambda r: r.loyalty_alone.per_second):.0f} "
            f"| {med(ours, lambda r: r.loyalty_alone.p50_ms):.2f} | {med(ours, lambda r: r.loyalty_alone.p99_ms):.2f} "
            f"| {sum(r.loyalty_alone.errors for r in ours)} "
            f"| {med(ours, lambda r: r.reference_alone.p50_ms):.2f} "
            f"| {med(ours, lambda r: r.reference_alone.p99_ms):.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--postgres-workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before the first round")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="1 round of 5 s, to try things (overrides both)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 5

    backends = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url, reference_url = (f"sqlite:///{Path(folder) / name}" for name in ("bench.db", "reference.db"))
        loyalty("db", "upgrade", url=sqlite_url)
        backends.append(Backend("SQLite", args.sqlite_workers))
        run_backend(backends[-1], sqlite_url, reference_url, None, args)
    postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
    if postgres:
        url, reference_url = new_postgres_database(postgres), new_postgres_database(postgres)
        loyalty("db", "upgrade", url=url)
        backends.append(Backend("PostgreSQL", args.postgres_workers))
        run_backend(backends[-1], url, reference_url, Pgbench(postgres, args.clients), args)
    report(backends, args)


if __name__ == "__main__":
    main()
