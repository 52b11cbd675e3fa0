"""Is the database reachable, and is its schema the one this code needs: asked by the health endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from loyalty.db.engine import Database
from loyalty.db.migrate import is_current


@dataclass(frozen=True)
class DatabaseHealth:
    reachable: bool
    schema_current: bool
    kind: str  # sqlite or postgresql


def check(db: Database) -> DatabaseHealth:
    kind = "sqlite" if db.is_sqlite else "postgresql"
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
        current = is_current(db.reader)
    except Exception:  # noqa: BLE001 - any database failure is "down"
        return DatabaseHealth(reachable=False, schema_current=False, kind=kind)
    return DatabaseHealth(reachable=True, schema_current=current, kind=kind)
