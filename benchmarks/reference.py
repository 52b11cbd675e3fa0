"""The yardstick of benchmarks/pos.py: the least a confirmed purchase can cost on loyalty's own stack.

FastAPI + SQLAlchemy Core, served by uvicorn started as `loyalty serve` starts it (the same `uvicorn.run` options,
so uvloop and httptools), on the same database with loyalty's own engine settings (`make_engine`: SQLite in WAL
with BEGIN IMMEDIATE, PostgreSQL with the same pool) and, on SQLite, the writers of a process queued on a lock
as `Database.write` queues them. `POST /v1/purchases` takes the benchmark's sale, validated by a pydantic model,
and in one transaction writes one idempotency row (unique transaction id), one ledger entry and one balance
update, then answers JSON with 201 (200 and the first answer for a replayed transaction id). No authentication,
rules, lines, audit or stored answer: only the writes no purchase can do without.

    LOYALTY_DATABASE_URL=sqlite:////tmp/ref.db python benchmarks/reference.py --port 8001 --workers 1

`prepare(url, members)` creates its tables and members in an empty database first.
"""

from __future__ import annotations

import argparse
import os
import threading
import uuid
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, ForeignKey, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from loyalty.db.engine import is_sqlite, make_engine

metadata = MetaData()
balances = Table(
    "balances",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("points", BigInteger, nullable=False),  # hundredths of a point
)
idempotency = Table(
    "idempotency",
    metadata,
    Column("transaction_id", String(64), primary_key=True),
    Column("member_id", String(36), ForeignKey("balances.member_id"), nullable=False),
    Column("points", BigInteger, nullable=False),
)
entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", String(64), ForeignKey("idempotency.transaction_id"), nullable=False),
    Column("member_id", String(36), ForeignKey("balances.member_id"), nullable=False),
    Column("points", BigInteger, nullable=False),
)


class Line(BaseModel):
    line_id: str
    code: str
    department: str | None = None
    quantity: int
    amount: Decimal
    tags: list[str] = []


class Payment(BaseModel):
    mop: str
    amount: Decimal


class Sale(BaseModel):
    transaction_id: str
    member_id: uuid.UUID
    items: list[Line]
    payments: list[Payment]


def prepare(url: str, members: int) -> list[str]:
    """The tables and `members` members with no points; returns their ids."""
    engine = make_engine(url)
    metadata.create_all(engine)
    ids = [str(uuid.uuid4()) for _ in range(members)]
    with engine.begin() as connection:
        connection.execute(insert(balances), [{"member_id": member, "points": 0} for member in ids])
    engine.dispose()
    return ids


def create_app(url: str) -> FastAPI:
    engine = make_engine(url)
    writers: AbstractContextManager[object] = threading.Lock() if is_sqlite(url) else nullcontext()
    app = FastAPI()

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/purchases", status_code=201)
    def confirm(sale: Sale, response: Response) -> dict[str, Any]:
        member = str(sale.member_id)
        points = int(sum((line.amount for line in sale.items), Decimal(0)) * 100)  # 1 point per 1.00, exact
        try:
            with writers, engine.begin() as connection:
                connection.execute(
                    insert(idempotency), {"transaction_id": sale.transaction_id, "member_id": member, "points": points}
                )
                connection.execute(
                    insert(entries), {"transaction_id": sale.transaction_id, "member_id": member, "points": points}
                )
                balance = connection.execute(
                    update(balances)
                    .where(balances.c.member_id == member)
                    .values(points=balances.c.points + points)
                    .returning(balances.c.points)
                ).scalar_one()
        except IntegrityError:
            with engine.connect() as connection:
                first = connection.execute(
                    select(idempotency).where(idempotency.c.transaction_id == sale.transaction_id)
                ).one()
            response.status_code = 200
            return {"transaction_id": first.transaction_id, "member_id": first.member_id, "points": first.points}
        return {"transaction_id": sale.transaction_id, "member_id": member, "points": points, "balance": balance}

    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn's workers call, as `loyalty serve` hands it `loyalty.api.app:app_from_env`."""
    return create_app(os.environ["LOYALTY_DATABASE_URL"])


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
