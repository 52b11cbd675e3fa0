"""Instructions per confirmed purchase, counted by valgrind (callgrind): a figure a noisy machine does not move.

    .venv/bin/python benchmarks/instructions.py                                  # SQLite
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/instructions.py    # SQLite and PostgreSQL

Timings on a shared machine of two cores move by 10% between two runs of the same code, more than most changes
to the purchase path save. The number of instructions the process runs barely does (1-2%): each database gets a
fresh database and business (`purchase_path.Bench`), 30 purchases to warm up, then valgrind counts the
instructions of --purchases confirmed purchases through the ASGI app in process (`purchase_path.in_process`: the
key, the middleware, the route, the transaction; on PostgreSQL the client's side only, not the server's), and the
same for the lean floor (`reference.py`, called the same way on a database of its own), and for as many
`POST /v1/identify` by phone on loyalty's database (each of its 20 members in turn). Setting up runs under
valgrind too, uncounted (about a minute per figure); `Bench`'s statement counter is counted (about 1%). An A/B:
run this file in each checkout (copy it into an older one), one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _counting(on: bool) -> None:
    """Switch valgrind's counting on or off for this process."""
    switch = ["callgrind_control", "-i", "on" if on else "off", str(os.getpid())]
    subprocess.run(switch, check=True, capture_output=True)


def inner(what: str, url: str, purchases: int) -> None:
    """Run under valgrind: warm up, then count `purchases` purchases of loyalty or of the floor."""
    import asgi_request
    import purchase_path
    import reference

    if what == "loyalty":
        bench = purchase_path.Bench(url)
        one = purchase_path.in_process(bench)
    elif what == "identify":
        bench = purchase_path.Bench(url)
        app, turn = bench.client.app, itertools.count()
        headers = [(name.lower().encode(), value.encode()) for name, value in bench.till.items()]
        headers.append((b"content-type", b"application/json"))
        purchase_path.in_process(bench)  # which also runs the route inline, as a server's worker thread would

        async def one() -> None:  # by phone, as the till's cashier types it, each of the members in turn
            body = json.dumps({"phone": f"079 {6000000 + next(turn) % 20}"}).encode()
            assert await asgi_request.request(app, "POST", "/v1/identify", headers, body) == 200
    else:
        members = reference.prepare(url, 50)
        app = reference.create_app(url)
        headers = [(b"content-type", b"application/json")]

        async def one() -> None:
            sale = {"transaction_id": f"t-{uuid.uuid4().hex}", "member_id": random.choice(members)}
            body = json.dumps(sale | {"items": purchase_path.ITEMS}).encode()
            assert await asgi_request.request(app, "POST", "/v1/purchases", headers, body) == 201

    async def run() -> None:
        for _ in range(30):
            await one()
        _counting(True)
        for _ in range(purchases):
            await one()
        _counting(False)

    asyncio.run(run())


def counted(what: str, url: str, purchases: int) -> float:
    """Instructions per purchase of `what` on a fresh database at `url`."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--inner",
            what,
            "--url",
            url,
            "--purchases",
            str(purchases),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"valgrind failed:\n{done.stderr[-3000:]}")
        return int(found.group(1)) / purchases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--purchases", type=int, default=100)
    parser.add_argument("--inner", choices=("loyalty", "floor", "identify"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.inner:
        inner(arguments.inner, arguments.url, arguments.purchases)
        return
    import purchase_path

    postgres = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
    print(f"Instructions per confirmed purchase (valgrind, {arguments.purchases} purchases after 30 to warm up)\n")
    print("| database | loyalty | the lean floor | loyalty ÷ floor | POST /v1/identify by phone |")
    print("|---|---:|---:|---:|---:|")
    with purchase_path.databases(postgres) as found, purchase_path.databases(postgres) as floors:
        for (backend, url), (_, floor_url) in zip(found, floors, strict=True):
            ours = counted("loyalty", url, arguments.purchases)
            floor = counted("floor", floor_url, arguments.purchases)
            identify = counted("identify", url, arguments.purchases)
            print(f"| {backend} | {ours:,.0f} | {floor:,.0f} | {ours / floor:.2f} | {identify:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
