"""The planner's statistics brought up to date while a table grows fast (a bulk import).

PostgreSQL plans from statistics autovacuum refreshes only now and then: a business's members read by a list of
external ids are taken for a handful of rows until then, and its lookups scan every member the import has written
so far, each batch slower than the last. SQLite plans by its indexes alone and needs nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from loyalty.db.rows import cast_table


def refresh(session: Session, *models: type[Any]) -> None:
    """ANALYZE the tables of `models` (PostgreSQL; nothing on SQLite)."""
    if session.connection().dialect.name != "postgresql":
        return
    for model in models:
        session.execute(text(f"ANALYZE {cast_table(model).name}"))
