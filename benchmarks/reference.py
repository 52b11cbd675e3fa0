"""The yardstick of benchmarks/pos.py: the least a confirmed purchase can cost on loyalty's own stack.

The leanest honest floor. FastAPI served by uvicorn started as `loyalty serve` starts it (the same `uvicorn.run`
options, so uvloop and httptools; a synchronous route, run in the thread pool as loyalty's are), on the same
database with loyalty's own engine settings (`make_engine`: SQLite in WAL with BEGIN IMMEDIATE and the same
`synchronous` (FULL by default: the WAL synced at each commit), PostgreSQL with the same pool) and, on SQLite, the
writers of a process queued on a lock as `Database.write` queues them and the WAL checkpointed by loyalty's own
thread, off the commits (`Database` makes the engines). `POST /v1/purchases` reads the benchmark's
sale as plain JSON (no model: the amounts summed exactly from their text) and, in one transaction, sends the three
writes no purchase can do without, as text SQL on tables without foreign keys: one idempotency row (unique
transaction id, `INSERT … ON CONFLICT DO NOTHING RETURNING`), one ledger entry and one balance update. It answers
JSON with 201, or 200 and the first answer's figures for a replayed transaction id. No authentication, rules,
lines, audit or stored answer.

    LOYALTY_DATABASE_URL=sqlite:////tmp/ref.db python benchmarks/reference.py --port 8001 --workers 1

`prepare(url, members)` creates its tables and members in an empty database first.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import uuid
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response

from loyalty.api import heap
from loyalty.db.engine import Database, is_sqlite, make_engine

TABLES = (
    "CREATE TABLE balances (member_id VARCHAR(36) PRIMARY KEY, points BIGINT NOT NULL)",  # hundredths of a point
    "CREATE TABLE idempotency (transaction_id VARCHAR(64) PRIMARY KEY, member_id VARCHAR(36) NOT NULL,"
    " points BIGINT NOT NULL)",
    "CREATE TABLE entries (transaction_id VARCHAR(64) NOT NULL, member_id VARCHAR(36) NOT NULL,"
    " points BIGINT NOT NULL)",
)
CLAIM = (
    "INSERT INTO idempotency (transaction_id, member_id, points) VALUES (?, ?, ?)"
    " ON CONFLICT (transaction_id) DO NOTHING RETURNING points"
)
ENTRY = "INSERT INTO entries (transaction_id, member_id, points) VALUES (?, ?, ?)"
BALANCE = "UPDATE balances SET points = points + ? WHERE member_id = ? RETURNING points"
FIRST = "SELECT member_id, points FROM idempotency WHERE transaction_id = ?"


def _placeholders(url: str, statement: str) -> str:
    """qmark for sqlite3, format for psycopg."""
    return statement if is_sqlite(url) else statement.replace("?", "%s")


def prepare(url: str, members: int) -> list[str]:
    """The tables and `members` members with no points; returns their ids."""
    engine = make_engine(url)
    ids = [str(uuid.uuid4()) for _ in range(members)]
    with engine.begin() as connection:
        for table in TABLES:
            connection.exec_driver_sql(table)
        insert = _placeholders(url, "INSERT INTO balances (member_id, points) VALUES (?, 0)")
        connection.exec_driver_sql(insert, [(member,) for member in ids])
    engine.dispose()
    return ids


async def _body(request: Request) -> bytes:
    return await request.body()


def create_app(url: str) -> FastAPI:
    database = Database(url)  # loyalty's engines: the same pragmas, pool and, on SQLite, checkpoint thread
    engine = database.writer
    claim, entry, balance_update, first = (_placeholders(url, s) for s in (CLAIM, ENTRY, BALANCE, FIRST))
    writers: AbstractContextManager[object] = threading.Lock() if is_sqlite(url) else nullcontext()
    app = FastAPI()

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/purchases", status_code=201)
    def confirm(body: bytes = Depends(_body)) -> Response:
        sale = json.loads(body)
        transaction_id, member = sale["transaction_id"], sale["member_id"]
        # 1 point per 1.00, in hundredths, exact: the amounts summed from their text.
        points = int(sum((Decimal(line["amount"]) for line in sale["items"]), Decimal(0)) * 100)
        with writers, engine.begin() as connection:
            claimed = connection.exec_driver_sql(claim, (transaction_id, member, points)).first()
            if claimed is not None:
                connection.exec_driver_sql(entry, (transaction_id, member, points))
                balance = connection.exec_driver_sql(balance_update, (points, member)).scalar_one()
        if claimed is None:  # a replay: the first answer's figures
            with database.reader.connect() as connection:
                member, points = connection.exec_driver_sql(first, (transaction_id,)).one()
            answer = {"transaction_id": transaction_id, "member_id": member, "points": points}
            return Response(json.dumps(answer), status_code=200, media_type="application/json")
        answer = {"transaction_id": transaction_id, "member_id": member, "points": points, "balance": balance}
        return Response(json.dumps(answer), status_code=201, media_type="application/json")

    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call, as `loyalty serve` hands it `loyalty.api.app:app_from_env`."""
    app = create_app(os.environ["LOYALTY_DATABASE_URL"])
    app.router.add_event_handler("startup", heap.settle)  # as loyalty's served processes do
    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same call as `loyalty serve` (src/loyalty/cli.py): loop and http left to uvicorn's "auto", which
    # picks uvloop and httptools (uvicorn[standard]).
    uvicorn.run(
        "reference:app_from_env",
        app_dir=str(Path(__file__).parent),
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
