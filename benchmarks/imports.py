"""Importing a whole programme: members with dated lots and stored credit, on SQLite and PostgreSQL.

    bash scripts/with-postgres.sh .venv/bin/python benchmarks/imports.py --members 100000   # both databases
    .venv/bin/python benchmarks/imports.py --members 100000                                 # SQLite only
    .venv/bin/python benchmarks/imports.py --members 100000 --profile                       # where time goes

For each database: a fresh, migrated database with one business; an NDJSON file of --members members (a phone
and an e-mail each, two lots with their earning and expiry dates, stored credit, consents) written to disk; then
`loyalty import`'s use case (what the CLI and `POST /v1/imports` call) reads it, in a process of its own so that
its peak memory (ru_maxrss) is the import's alone. The same is done with a file a tenth as long: equal peaks mean
memory stays flat with the size of the file. Then the file is imported again (every row `unchanged`) and
`loyalty verify`'s checks run over the result.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loyalty.db import migrate  # noqa: E402
from loyalty.db.engine import Database  # noqa: E402
from loyalty.members import access  # noqa: E402


def write_file(path: Path, members: int) -> None:
    """The file a previous system would export, written a line at a time."""
    with path.open("w", encoding="utf-8") as out:
        for index in range(members):
            record = {
                "external_id": f"OLD-{index:07d}",
                "phone": f"+4178{index // 100000 % 100:02d}{index % 100000:05d}",
                "email": f"member{index}@example.com",
                "first_name": "Member",
                "last_name": f"No {index}",
                "joined_at": "2025-03-01T10:00:00+00:00",
                "consent_terms": True,
                "consent_sms": index % 2 == 0,
                "lots": [
                    {
                        "points": f"{index % 500 + 10}",
                        "earned_at": "2026-02-01T12:00:00+00:00",
                        "expires_at": "2027-12-31",
                    },
                    {"points": "25.50", "earned_at": "2026-06-15T12:00:00+00:00", "expires_at": "2028-06-30"},
                ],
                "credit": f"{index % 40}.50",
            }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def fresh_database(backend: str, folder: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / (name + '.db')}"
    import psycopg

    server = os.environ["LOYALTY_TEST_POSTGRES_URL"]
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    return server.rsplit("/", 1)[0] + f"/{database}"


def child(url: str, business_id: str, file: str, profile: str = "") -> None:
    """One import in this process: prints seconds, peak memory and the answer's counts as JSON (with `profile`,
    first cProfile's 30 costliest functions, by time spent in themselves, to stderr)."""
    from loyalty.members.access import Principal
    from loyalty.moving import importing

    db = Database(url)
    who = Principal(key_id=uuid.UUID(int=0), kind="admin", business_id=uuid.UUID(business_id))
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with open(file, encoding="utf-8") as stream:
        if profiler is not None:
            profiler.enable()
        report, _ = importing.run(db, who, stream, "ndjson", dry_run=False)
        if profiler is not None:
            profiler.disable()
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if profiler is not None:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    peak = usage.ru_maxrss / 1024  # kB on Linux
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime,  # this process's own: what other work on the machine took not
                "peak_mb": peak,
                "created": report.created,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
            }
        )
    )


def run_child(url: str, business_id: str, file: Path, *, profile: bool = False) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, business_id, str(file)] + (["profile"] if profile else []),
        capture_output=True,
        text=True,
        check=True,
    )
    if profile:
        print(done.stderr, flush=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def verify(url: str) -> int:
    from loyalty.wallet import credit, ledger

    db = Database(url)
    with db.read() as session:
        problems = ledger.verify(session) + credit.verify(session)
    db.dispose()
    return len(problems)


def bench(backend: str, members: int, folder: Path, *, profile: bool = False) -> None:
    for size in (members,) if profile else (members // 10, members):
        file = folder / f"members-{size}.ndjson"
        if not file.exists():
            write_file(file, size)
        url = fresh_database(backend, folder, f"{backend}_{size}")
        migrate.upgrade(url)
        db = Database(url)
        made = db.write(lambda session: access.create_business(session, name="Moving house", currency="CHF"))
        business_id = str(made.business.id)
        db.dispose()
        first = run_child(url, business_id, file, profile=profile)
        again = run_child(url, business_id, file) if size == members and not profile else None
        problems = verify(url) if size == members and not profile else None
        line = (
            f"{backend:10} {size:>9,} members ({file.stat().st_size / 1e6:,.0f} MB): import {first['seconds']:8.1f} s"
            f" ({size / first['seconds']:,.0f} members/s, {first['cpu']:,.0f} s of CPU), load {os.getloadavg()[0]:.1f},"
            f" peak memory {first['peak_mb']:,.0f} MB,"
            f" created {first['created']:,}, rejected {first['rejected']}"
        )
        if again is not None:
            line += (
                f"; again {again['seconds']:.1f} s ({again['unchanged']:,} unchanged, peak {again['peak_mb']:,.0f} MB);"
                f" verify: {problems} difference(s)"
            )
        print(line, flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument(
        "--profile", action="store_true", help="import --members members once under cProfile and print where time goes"
    )
    args = parser.parse_args()
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("LOYALTY_TEST_POSTGRES_URL") else [])
    if args.only:
        backends = [args.only]
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            bench(backend, args.members, Path(folder), profile=args.profile)


if __name__ == "__main__":
    main()
