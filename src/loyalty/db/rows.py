"""Rows written by SQLAlchemy Core on the busy paths: no unit of work, one statement for many rows."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Table, Uuid, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from loyalty.db import later


def insert_rows(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]], *, flush: bool = True) -> None:
    """INSERT `rows` (dicts with the same keys) into `model`'s table in one executemany, queued with the
    transaction's other writes whose answer nobody reads (`loyalty.db.later`). What the session still holds is
    flushed first, so these rows may refer to it (`flush=False` for rows that refer to nothing the session may
    hold). Columns left out get their Python-side defaults, as the ORM would give them."""
    if not rows:
        return
    if flush:
        session.flush()
    table = cast_table(model)
    keys = list(rows[0])
    defaults = _defaults(table, frozenset(keys))
    if defaults:
        rows = [{**row, **{name: make() for name, make in defaults}} for row in rows]
        keys += [name for name, _ in defaults]
    later.execute(session, _insert(model), rows, keys=keys)


@functools.cache
def _defaults(table: Table, given: frozenset[str]) -> list[tuple[str, Callable[[], Any]]]:
    """The Python-side defaults of `table`'s columns not in `given`, each as a function of nothing (SQLAlchemy
    wraps a callable default to take the execution's context, which none of ours reads)."""
    found: list[tuple[str, Callable[[], Any]]] = []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if default.is_callable:
            found.append((column.name, functools.partial(default.arg, None)))  # type: ignore[attr-defined]
        elif default.is_scalar:
            found.append((column.name, functools.partial(_same, default.arg)))  # type: ignore[attr-defined]
        else:
            raise ValueError(f"insert_rows cannot fill {table.name}.{column.name}'s default")
    return found


def _same(value: Any) -> Any:
    return value


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


def bulk_insert(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT many `rows` (dicts with the same keys) into `model`'s table without SQLAlchemy's per-row work: the
    columns' own bind conversions applied in one pass, then one DBAPI executemany (SQLite) or one COPY
    (PostgreSQL). For imports of hundreds of thousands of rows; a constraint that fails raises the same
    IntegrityError as `insert_rows`. What the session holds is not flushed: the rows must refer to none of it.
    Every column with a Python-side default must be given (nothing here would fill it in)."""
    if not rows:
        return
    table = cast_table(model)
    names = list(rows[0])
    missing = [column.name for column in table.columns if column.default is not None and column.name not in names]
    if missing:
        raise ValueError(f"bulk_insert into {table.name} needs {', '.join(missing)}")
    connection = session.connection()
    later.send(connection)  # COPY goes around the statement hook that would send what is queued first
    dialect = connection.dialect
    processors = [table.columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    # Column by column: one pass per column through its conversion, then the rows zipped back together. A value
    # met again (the batch's time, a lot's expiry) is converted once; ids and JSON are each row's own.
    values = []
    for name, process in zip(names, processors, strict=True):
        column = [row[name] for row in rows]
        if process is not None:
            kind = table.columns[name].type
            if isinstance(kind, Uuid | JSON):
                column = [None if value is None else process(value) for value in column]
            else:
                done: dict[Any, Any] = {None: None}
                column = [done[value] if value in done else done.setdefault(value, process(value)) for value in column]
        values.append(column)
    converted = list(zip(*values, strict=True))
    columns = ", ".join(names)
    if dialect.name == "postgresql":
        _copy(connection, f"COPY {table.name} ({columns}) FROM STDIN", converted)
        return
    marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in names)
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", converted)


def _copy(connection: Any, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY through psycopg, its failure raised as SQLAlchemy raises a statement's."""
    import psycopg

    driver = connection.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from None
