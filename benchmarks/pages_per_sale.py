"""What a confirmed purchase writes to disk: the pages of SQLite's WAL it adds (each synced at its commit) by table
and index, and on PostgreSQL the bytes of WAL it adds, after a history of purchases.

    .venv/bin/python benchmarks/pages_per_sale.py --history 2000
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/pages_per_sale.py --history 2000   # and PostgreSQL

Each database gets the purchase benchmark's business (`purchase_path.Bench`: two rules, 20 members), --history
purchases confirmed through the ASGI app in process, then --measured more, measured. On SQLite, a reader holds a
snapshot from before them so that no checkpoint starts the WAL over: every frame they add stays in it and is read
back, each named by the table or index its page belongs to. On PostgreSQL, the WAL position before and after (a
CHECKPOINT first, so each page's first change after it is written whole, as in production once per checkpoint
interval). The figures depend on the schema and the ids, not on the machine's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import purchase_path

WAL_HEADER, FRAME_HEADER = 32, 24


def purchases(bench: purchase_path.Bench, count: int) -> None:
    """`count` purchases of the till's sale, one after the other, through the app in process."""
    one = purchase_path.in_process(bench)

    async def run() -> None:
        for _ in range(count):
            await one()

    asyncio.run(run())


def sqlite_pages(bench: purchase_path.Bench, path: str, measured: int) -> tuple[collections.Counter[str], int]:
    """The WAL frames `measured` purchases add, counted by the table or index of their page; and the page size."""
    wal = Path(path + "-wal")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    page_size: int = connection.execute("PRAGMA page_size").fetchone()[0]
    snapshot = sqlite3.connect(path, isolation_level=None)
    snapshot.execute("BEGIN")
    snapshot.execute("SELECT count(*) FROM business").fetchone()  # held: no checkpoint can start the WAL over
    purchases(bench, measured)
    data = wal.read_bytes()
    snapshot.execute("COMMIT")
    frame = FRAME_HEADER + page_size
    pages = [int.from_bytes(data[at : at + 4], "big") for at in range(WAL_HEADER, len(data) - frame + 1, frame)]
    names = dict(connection.execute("SELECT pageno, name FROM dbstat"))
    connection.close()
    return collections.Counter(names.get(page, "(free)") for page in pages), page_size


def postgres_wal_bytes(bench: purchase_path.Bench, url: str, measured: int) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute("CHECKPOINT")
        before = connection.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]  # type: ignore[index]
        purchases(bench, measured)
        after = connection.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]  # type: ignore[index]
        moved = connection.execute("SELECT pg_wal_lsn_diff(%s, %s)", (after, before)).fetchone()[0]  # type: ignore[index]
    return float(moved) / measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=int, default=2000, help="purchases confirmed before the measured ones")
    parser.add_argument("--measured", type=int, default=50)
    parser.add_argument("--top", type=int, default=12, help="tables and indexes listed by name")
    args = parser.parse_args()
    with purchase_path.databases(os.environ.get("LOYALTY_TEST_POSTGRES_URL")) as found:
        for backend, url in found:
            bench = purchase_path.Bench(url)
            purchases(bench, args.history)
            if backend == "SQLite":
                by_name, page_size = sqlite_pages(bench, url.split("///", 1)[1], args.measured)
                total = sum(by_name.values()) / args.measured
                print(f"\nSQLite, after {args.history:,} purchases: {total:.1f} WAL pages per purchase")
                print(f"({total * page_size / 1024:.0f} KiB synced at its commit), by table or index:\n")
                print("| table or index | pages per purchase |\n|---|---:|")
                for name, count in by_name.most_common(args.top):
                    print(f"| {name} | {count / args.measured:.1f} |")
                rest = sum(count for _, count in by_name.most_common()[args.top :])
                print(f"| {len(by_name) - args.top} others | {rest / args.measured:.1f} |")
            else:
                per_purchase = postgres_wal_bytes(bench, url, args.measured)
                print(f"\nPostgreSQL, after {args.history:,} purchases and a CHECKPOINT: {per_purchase / 1024:.1f} KiB")
                print(f"of WAL per purchase over the next {args.measured}")
            bench.client.__exit__(None, None, None)
            bench.db.dispose()


if __name__ == "__main__":
    main()
