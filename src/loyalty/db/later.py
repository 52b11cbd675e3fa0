"""Writes whose answer nobody reads, sent together: before the transaction's next statement, or its COMMIT.

A purchase's ledger transactions, entries, lots, rule uses, lines, its settled row and its audit record need none
of each other's answers. `insert_rows` (and `execute` for such an UPDATE) queue them on the transaction's
connection instead of sending each at once; the queue goes, in order, before any other statement of the
connection runs and before COMMIT, so nothing in the transaction can read around it. On PostgreSQL it goes in one
round trip (psycopg's pipeline mode), on SQLite one statement after the other; both on the driver's own cursor,
each statement compiled once per dialect and its values converted by the columns' own bind processors, without
SQLAlchemy's per-statement execution work.

What changes for a caller is only when a failing write raises: at the next statement (or the commit) instead of at
its call. So inside a savepoint, where a caller catches a write's failure to recover from it, nothing is queued.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

QUEUE = "loyalty.later"  # the key of a connection's queue in its `info`
_hooked: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose connections send their queue (see below)
# Called with each statement as it is queued, by its caller (tests check and benchmarks count statements with it, as
# with SQLAlchemy's before_cursor_execute for the others); empty in production.
observers: list[Callable[[str], None]] = []


@dataclass(frozen=True)
class Prepared:
    """A Core statement compiled once for one dialect: its SQL, its parameters' order (None: named), the
    values it carries itself, and the conversion of each parameter."""

    sql: str
    order: tuple[str, ...] | None
    fixed: Mapping[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]

    def parameters(self, values: Mapping[str, Any]) -> Any:
        row = {**self.fixed, **values}
        for name, process in self.processors:
            row[name] = process(row[name])
        return row if self.order is None else tuple(row[name] for name in self.order)


_prepared: dict[tuple[Any, str, tuple[str, ...] | None], Prepared] = {}


def prepared(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None = None) -> Prepared:
    """`statement` (for an INSERT, of the columns `keys`) compiled for `dialect`, once."""
    found = _prepared.get((statement, dialect.name, keys))
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    binds = compiled.binds
    processors = []
    for name, bind in binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    fixed = {name: bind.value for name, bind in binds.items() if bind.value is not None}
    order = tuple(compiled.positiontup) if compiled.positional else None
    found = _prepared[(statement, dialect.name, keys)] = Prepared(compiled.string, order, fixed, tuple(processors))
    return found


def execute(session: Session, statement: Any, rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str] = ()) -> None:
    """Queue `statement` (an INSERT of the columns `keys`, or an UPDATE or DELETE whose result is not read) for
    each of `rows`; sent at once inside a savepoint, or on an engine that would not send it."""
    if not rows:
        return
    connection = session.connection()
    plan = prepared(statement, connection.dialect, tuple(keys) or None)
    queue: list[tuple[Prepared, list[Any]]] = connection.info.setdefault(QUEUE, [])
    queue.append((plan, [plan.parameters(row) for row in rows]))
    for observe in observers:
        observe(plan.sql)
    if session.in_nested_transaction() or connection.engine not in _hooked:
        send(connection)


def send(connection: Connection) -> None:
    """Send what is queued on `connection` now, in order; a failure raises as SQLAlchemy raises a statement's."""
    queue = connection.info.pop(QUEUE, None)
    if not queue:
        return
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None
    plan: Prepared | None = None
    try:
        if dialect.name == "postgresql":
            with driver.pipeline(), driver.cursor() as cursor:
                for plan, parameters in queue:
                    _run(cursor, plan, parameters)
        else:
            cursor = driver.cursor()
            try:
                for plan, parameters in queue:
                    _run(cursor, plan, parameters)
            finally:
                cursor.close()
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, driver, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            plan.sql if plan else "", None, error, dialect.loaded_dbapi.Error, connection_invalidated=lost
        ) from None


def _run(cursor: Any, plan: Prepared, parameters: list[Any]) -> None:
    if len(parameters) == 1:
        cursor.execute(plan.sql, parameters[0])
    else:
        cursor.executemany(plan.sql, parameters)


def send_before_each_statement(engine: Engine) -> None:
    """Have `engine`'s connections send their queue before any other statement and before COMMIT, and drop it
    with the transaction it belonged to."""
    _hooked.add(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def first_the_queue(connection: Connection, *_: Any) -> None:
        if QUEUE in connection.info:
            send(connection)

    @event.listens_for(engine, "commit")
    def before_commit(connection: Connection) -> None:
        send(connection)

    @event.listens_for(engine, "begin")
    @event.listens_for(engine, "rollback")
    def forget(connection: Connection) -> None:
        if not connection.invalidated:  # a lost connection's queue was dropped with it
            connection.info.pop(QUEUE, None)
