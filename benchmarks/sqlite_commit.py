"""What an fsync per commit costs SQLite: one-row write transactions in WAL mode, synchronous=NORMAL against FULL.

Run: `.venv/bin/python benchmarks/sqlite_commit.py` (make bench runs it). A file in a temporary folder beside this
script (the disk the database would live on, not a tmpfs), --commits transactions of BEGIN IMMEDIATE, one INSERT,
COMMIT, per mode, the modes alternated over --rounds rounds; p50 and p99 milliseconds per commit. FULL syncs the WAL
at each commit (an acknowledged sale survives a power cut); NORMAL syncs only at checkpoints (the file stays
consistent, but the last commits may be lost after a power cut or an operating-system crash).
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def commits(mode: str, count: int) -> list[float]:
    folder = Path(tempfile.mkdtemp(dir=HERE))
    try:
        connection = sqlite3.connect(folder / "bench.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={mode}")
        connection.execute("CREATE TABLE sale (n INTEGER)")
        millis = []
        for n in range(count):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO sale VALUES (?)", (n,))
            connection.execute("COMMIT")
            millis.append((time.perf_counter() - started) * 1000)
        connection.close()
        return millis
    finally:
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    found: dict[str, list[float]] = {"NORMAL": [], "FULL": []}
    for _ in range(arguments.rounds):
        for mode in found:
            found[mode] += commits(mode, arguments.commits)
    print("| synchronous | p50 ms per commit | p99 ms per commit |")
    print("|---|---:|---:|")
    for mode, millis in found.items():
        ordered = sorted(millis)
        print(f"| {mode} | {statistics.median(ordered):.3f} | {ordered[round(0.99 * (len(ordered) - 1))]:.3f} |")


if __name__ == "__main__":
    main()
