"""Rows written by SQLAlchemy Core on the busy paths: no unit of work, one statement for many rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]], *, flush: bool = True) -> None:
    """INSERT `rows` (dicts with the same keys, every column the row needs) into `model`'s table in one
    executemany. What the session still holds is flushed first, so these rows may refer to it (`flush=False`
    for rows that refer to nothing the session may hold)."""
    if not rows:
        return
    if flush:
        session.flush()
    session.connection().execute(_insert(model), list(rows))


def cast_table(model: type[Any]) -> Table:
    """`model`'s table, for Core statements."""
    return cast(Table, model.__table__)


_inserts: dict[type[Any], Any] = {}


def _insert(model: type[Any]) -> Any:
    """The INSERT of `model`'s table, built once."""
    statement = _inserts.get(model)
    if statement is None:
        statement = _inserts[model] = insert(cast_table(model))
    return statement
