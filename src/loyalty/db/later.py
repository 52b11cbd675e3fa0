"""Writes whose answer nobody reads, sent together: before the transaction's next statement, or its COMMIT.

A purchase's ledger transactions, entries, lots, rule uses, lines, its settled row and its audit record need none
of each other's answers. `insert_rows` (and `execute` for such an UPDATE) queue them on the transaction's
connection instead of sending each at once; the queue goes, in order, before any other statement of the
connection runs and before COMMIT, so nothing in the transaction can read around it. On PostgreSQL it goes in one
round trip (psycopg's pipeline mode), on SQLite one statement after the other; both on the driver's own cursor,
each statement compiled once per dialect and its values converted by the columns' own bind processors, without
SQLAlchemy's per-statement execution work.

`first` and `rows` run a statement whose answer is read in the same way, after the queue; `records` converts
that answer as SQLAlchemy would.

What changes for a caller is only when a failing write raises: at the next statement (or the commit) instead of at
its call. So inside a savepoint, where a caller catches a write's failure to recover from it, nothing is queued.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction

from loyalty.db.prepared import Prepared, observers, prepared, reader

QUEUE = "loyalty.later"  # the key of a connection's queue in its `info`
_CONNECTION = "loyalty.later.connection"  # the key of a session's transaction and its connection in its `info`
_hooked: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose connections send their queue (see below)


def execute(session: Session, statement: Any, rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str] = ()) -> None:
    """Queue `statement` (an INSERT of the columns `keys`, or an UPDATE or DELETE whose result is not read) for
    each of `rows`; sent at once inside a savepoint, or on an engine that would not send it."""
    if not rows:
        return
    connection = connection_of(session)
    plan = prepared(statement, connection.dialect, tuple(keys) or None)
    queue: list[tuple[Prepared, list[Any]]] = connection.info.setdefault(QUEUE, [])
    parameters = [plan.parameters(row) for row in rows]
    queue.append((plan, parameters))
    for observe in observers:
        observe(plan.sql, parameters, True)
    if session.in_nested_transaction() or connection.engine not in _hooked:
        send(connection)


def first(session: Session, statement: Any, values: Mapping[str, Any]) -> Any:
    """Run `statement` (built once) on the driver's cursor, after what is queued, and return its first row as the
    driver gives it, or None: for statements whose answer needs no conversion (integers, text)."""
    return _asked(session, statement, values, every=False)


def rows(session: Session, statement: Any, values: Mapping[str, Any]) -> list[Any]:
    """`first`, for every row."""
    return _asked(session, statement, values, every=True)  # type: ignore[no-any-return]


def records(
    session: Session, statement: Any, values: Mapping[str, Any], *, into: Callable[..., Any] | None = None
) -> list[Any]:
    """`rows`, each a named tuple of the statement's column keys (or `into(*values)`), its values converted by
    their columns' types (dates, ids, JSON) as SQLAlchemy would. Like a session's query, it first flushes the
    objects added or changed."""
    if session.autoflush:
        session.flush()
    return _asked(session, statement, values, every=True, converted=True, into=into)  # type: ignore[no-any-return]


def _asked(
    session: Session,
    statement: Any,
    values: Mapping[str, Any],
    *,
    every: bool,
    converted: bool = False,
    into: Callable[..., Any] | None = None,
) -> Any:
    connection = connection_of(session)
    send(connection)
    plan = prepared(statement, connection.dialect)
    parameters = plan.parameters(values)
    for observe in observers:
        observe(plan.sql, parameters, False)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        try:
            _execute(connection.dialect, cursor, plan.sql, parameters)
            if converted:
                read = reader(plan, connection.dialect, cursor, into)
                return [read(row) for row in cursor.fetchall()]
            return cursor.fetchall() if every else cursor.fetchone()
        finally:
            cursor.close()  # which fails too on a lost connection: raised as SQLAlchemy raises it, as the rest
    except connection.dialect.loaded_dbapi.Error as error:
        raise _raised(connection, error, plan.sql) from None


def run(connection: Connection, sql: str) -> None:
    """Run `sql`, a statement with no parameters and no answer (a BEGIN), on the driver's cursor now."""
    dialect = connection.dialect
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        try:
            _execute(dialect, cursor, sql, None)
        finally:
            cursor.close()
    except dialect.loaded_dbapi.Error as error:
        raise _raised(connection, error, sql) from None


def connection_of(session: Session) -> Connection:
    """`session.connection()`, asked once per transaction: SQLAlchemy's own answer walks its transaction machinery
    each time, which costs more than a queued statement's own work. Asked again in a savepoint (asking is what
    sends its SAVEPOINT) and after it, and for a failed transaction, which SQLAlchemy refuses."""
    transaction = _innermost(session)
    kept = session.info.get(_CONNECTION)
    if kept is not None and kept[0] is transaction and transaction.is_active:
        return kept[1]  # type: ignore[no-any-return]
    connection = session.connection()
    session.info[_CONNECTION] = (_innermost(session), connection)
    return connection


def _innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


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
                    _run(dialect, cursor, plan, parameters)
        else:
            cursor = driver.cursor()
            try:
                for plan, parameters in queue:
                    _run(dialect, cursor, plan, parameters)
            finally:
                cursor.close()
    except dialect.loaded_dbapi.Error as error:
        raise _raised(connection, error, plan.sql if plan else "") from None


def _raised(connection: Connection, error: Exception, sql: str) -> Exception:
    """The driver's `error`, as SQLAlchemy raises a statement's; a lost connection is invalidated, as it does."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.driver_connection, None)  # type: ignore[arg-type]
    if lost:
        connection.invalidate(error)
    return DBAPIError.instance(sql, None, error, dialect.loaded_dbapi.Error, connection_invalidated=lost)


def _run(dialect: Dialect, cursor: Any, plan: Prepared, parameters: list[Any]) -> None:
    if len(parameters) == 1:
        _execute(dialect, cursor, plan.sql, parameters[0])
    else:
        _execute(dialect, cursor, plan.sql, parameters, many=True)


def _execute(dialect: Dialect, cursor: Any, sql: str, parameters: Any, *, many: bool = False) -> None:
    """The driver's execute, or what a listener of the dialect's do_execute events does instead, as SQLAlchemy
    gives them the choice (the simulator injects its faults there); `parameters` None: a statement without any."""
    if parameters is None:
        if not any(hook(cursor, sql, None) for hook in dialect.dispatch.do_execute_no_params):
            cursor.execute(sql)
        return
    for hook in dialect.dispatch.do_executemany if many else dialect.dispatch.do_execute:
        if hook(cursor, sql, parameters, None):
            return
    if many:
        cursor.executemany(sql, parameters)
    else:
        cursor.execute(sql, parameters)


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
