"""Confirmed purchases per second at N concurrent tills, on SQLite and PostgreSQL, beside pgbench.

    LOYALTY_PG_DURABLE=1 bash scripts/with-postgres.sh .venv/bin/python benchmarks/pos.py   # both (make bench)
    .venv/bin/python benchmarks/pos.py                                     # SQLite only

Each backend gets a fresh database, a business with two active rules and 200 members, and `loyalty serve`
(--sqlite-workers and --postgres-workers processes: one writer at a time is SQLite's nature, so one worker
serves it best). wrk (N connections) confirms purchases of three lines for random members for
--seconds after a warm-up; only 201 answers count, anything else is reported as an error. In the same run,
PostgreSQL's own pgbench (built-in TPC-B-like script, the same client count, scale = clients so branches do
not serialise it) gives the yardstick; the ratio is purchases/s ÷ pgbench tps. Peak memory is the sum of the
server processes' VmHWM. Figures are medians over --rounds rounds; the machine is small and noisy: read
ratios, not absolutes.
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
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import LiveServer  # noqa: E402


@dataclass
class Round:
    purchases_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    peak_mb: float


def loyalty(*args: str, url: str) -> str:
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, check=True, timeout=300
    ).stdout


def prepare(url: str, server: LiveServer, members: int) -> tuple[dict[str, str], list[str]]:
    keys = json.loads(loyalty("business", "create", "Bench cinema", "--currency", "CHF", "--json", url=url))
    admin = {"Authorization": f"Bearer {keys['admin_key']}"}
    with httpx.Client(base_url=server.url, timeout=30, headers=admin) as client:
        for rule in (
            {
                "name": "1 point per 1.00 on tickets",
                "trigger": "purchase",
                "status": "active",
                "actions": [
                    {
                        "type": "add_points",
                        "mode": "rate",
                        "points": "1",
                        "per": "1.00",
                        "items": {"departments": ["tickets"]},
                        "exclude_mops": ["points"],
                    }
                ],
            },
            {
                "name": "10 points per drink",
                "trigger": "purchase",
                "status": "active",
                "actions": [{"type": "add_points", "mode": "repeat", "points": "10", "items": {"tags": ["drink"]}}],
            },
        ):
            client.post("/v1/rules", json=rule).raise_for_status()
        ids = []
        for n in range(members):
            made = client.post("/v1/members", json={"phone": f"+4179{5000000 + n}"})
            made.raise_for_status()
            ids.append(made.json()["id"])
    return {"Authorization": f"Bearer {keys['pos_key']}"}, ids


SALE = {
    "transaction_id": "%s",
    "member_id": "%s",
    "items": [
        {"line_id": "1", "code": "TICKET", "department": "tickets", "quantity": 2, "amount": "32.00"},
        {"line_id": "2", "code": "COLA", "department": "bar", "quantity": 1, "amount": "4.50", "tags": ["drink"]},
        {"line_id": "3", "code": "POPCORN", "department": "bar", "quantity": 1, "amount": "7.00"},
    ],
    "payments": [{"mop": "card", "amount": "43.50"}],
}

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


def load(url: str, pos: dict[str, str], members: list[str], clients: int, seconds: float) -> tuple[Round, str]:
    """One wrk run; returns the round's figures (memory filled in by the caller) and wrk's own report."""
    script = WRK_SCRIPT % {
        "members": ", ".join(f'"{member}"' for member in members),
        "template": json.dumps(SALE),
        "authorization": pos["Authorization"],
        "run": uuid.uuid4().hex[:8],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:.0f}s", "--latency", "-s", file.name, url]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    os.unlink(file.name)
    requests, errors, p50_us, p99_us, duration_us = map(int, out.split("RESULT")[1].split())
    good = requests - errors
    return Round(good / (duration_us / 1e6), p50_us / 1000, p99_us / 1000, errors, 0.0), out


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


def run_backend(url: str, workers: int, args: argparse.Namespace) -> list[Round]:
    rounds = []
    server = LiveServer(url, workers=workers).start()
    try:
        pos, members = prepare(url, server, args.members)
        load(server.url, pos, members, args.clients, 2)  # warm-up: connections, caches
        for _ in range(args.rounds):
            measured, _ = load(server.url, pos, members, args.clients, args.seconds)
            measured.peak_mb = peak_memory_mb(server)
            rounds.append(measured)
    finally:
        server.stop()
    return rounds


def new_postgres_database(server_url: str) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def pgbench_tps(server_url: str, clients: int, seconds: float) -> float:
    host, port = re.search(r"@([^:/]+):(\d+)/", server_url).groups()  # type: ignore[union-attr]
    pgbench = str(Path(os.environ.get("LOYALTY_TEST_PGBIN", "/usr/lib/postgresql/15/bin")) / "pgbench")
    database = new_postgres_database(server_url).rsplit("/", 1)[1]
    common = ["-h", host, "-p", port, "-U", "postgres"]
    subprocess.run([pgbench, *common, "-i", "-q", "-s", str(clients), database], check=True, capture_output=True)
    out = subprocess.run(
        [pgbench, *common, "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), database],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--postgres-workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()

    results: dict[str, list[Round]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        loyalty("db", "upgrade", url=sqlite_url)
        results["SQLite"] = run_backend(sqlite_url, args.sqlite_workers, args)
    postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
    pgbench: list[float] = []
    if postgres:
        url = new_postgres_database(postgres)
        loyalty("db", "upgrade", url=url)
        results["PostgreSQL"] = run_backend(url, args.postgres_workers, args)
        pgbench = [pgbench_tps(postgres, args.clients, args.seconds) for _ in range(args.rounds)]

    print(
        f"\nConfirmed purchases, {args.clients} concurrent clients, server workers: SQLite {args.sqlite_workers}, "
        f"PostgreSQL {args.postgres_workers}, "
        f"{args.seconds:.0f} s x {args.rounds} rounds (medians)\n"
    )
    print(f"| {'database':10} | {'purchases/s':>11} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | {'peak MB':>7} |")
    print(f"|{'-' * 12}|{'-' * 13}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 9}|")
    for name, rounds in results.items():
        print(
            f"| {name:10} | {statistics.median(r.purchases_per_second for r in rounds):11.0f} "
            f"| {statistics.median(r.p50_ms for r in rounds):7.1f} "
            f"| {statistics.median(r.p99_ms for r in rounds):7.1f} "
            f"| {sum(r.errors for r in rounds):6d} | {max(r.peak_mb for r in rounds):7.0f} |"
        )
    if pgbench:
        tps = statistics.median(pgbench)
        ours = statistics.median(r.purchases_per_second for r in results["PostgreSQL"])
        print(
            f"\npgbench (TPC-B-like, {args.clients} clients): {tps:.0f} tps; "
            f"loyalty on PostgreSQL / pgbench = {ours / tps:.2f}"
        )


if __name__ == "__main__":
    main()
