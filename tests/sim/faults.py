"""Faults at every statement and every COMMIT, through SQLAlchemy's execution hooks (`do_execute`, whose errors go
through SQLAlchemy's error handling as a driver's would) and the dialect's `do_commit`.

Each request attempt runs in a context (`ATTEMPT`) that counts its statements and COMMITs; its plan names at most
one of them and what goes wrong there. Statements outside an attempt (building the world, the checks) run as usual.
A scheduler may also hold each statement at a gate before it runs (`Attempt.gate`).
"""

from __future__ import annotations

import contextvars
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event

from loyalty.db.engine import Database
from tests.sim.choices import Choices, chance, pick
from tests.sim.seams import SimClock

KINDS = ("error_before", "error_after", "serialization", "lost_before", "lost_after", "slow")
COMMIT_KINDS = ("lost_before_commit", "lost_after_commit")
# A statement's fault planned on a COMMIT: what it means there (an error after a COMMIT that worked is no fault
# a driver reports, so none).
AT_COMMIT = {"lost_before": "lost_before_commit", "lost_after": "lost_after_commit", "error_after": "none"}


@dataclass(frozen=True)
class Fault:
    at: int  # which statement or COMMIT of the attempt, counted from 0
    kind: str


@dataclass
class Attempt:
    till: int
    fault: Fault | None = None
    gate: Callable[[Any, str], None] | None = None  # (driver connection or None, what) → returns when it may go on
    steps: int = 0
    fired: str = ""  # the fault that did happen, if any
    commits: list[str] = field(default_factory=list)  # "ok", "lost_after_commit" (recorded), "lost_before_commit"

    def next(self) -> Fault | None:
        fault = self.fault if self.fault is not None and self.fault.at == self.steps else None
        self.steps += 1
        return fault

    @property
    def committed(self) -> bool:
        return any(outcome in ("ok", "lost_after_commit") for outcome in self.commits)


ATTEMPT: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("sim_attempt", default=None)


def plan(choices: Choices, percent: int) -> Fault | None:
    """A fault for one request attempt, `percent` times in 100 (shrinks to none)."""
    if not chance(choices, percent):
        return None
    return Fault(choices.integer(0, 15), pick(choices, KINDS + COMMIT_KINDS))


class Injector:
    """Installs the hooks on a database's engines; `clock` jumps for a slow statement."""

    def __init__(self, db: Database, clock: SimClock) -> None:
        self.db = db
        self.clock = clock
        self._engines = [db.writer] if db.reader is db.writer else [db.writer, db.reader]
        self._sqlite = db.is_sqlite

    def __enter__(self) -> Injector:
        for engine in self._engines:
            event.listen(engine, "do_execute", self._execute, retval=True)
            event.listen(engine, "do_execute_no_params", self._execute_no_params, retval=True)
            event.listen(engine, "do_executemany", self._executemany, retval=True)
            engine.dialect.do_commit = self._commit_with(engine.dialect)  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        for engine in self._engines:
            event.remove(engine, "do_execute", self._execute)
            event.remove(engine, "do_execute_no_params", self._execute_no_params)
            event.remove(engine, "do_executemany", self._executemany)
            del engine.dialect.do_commit

    def _execute(self, cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        return self._run(cursor, statement, lambda: cursor.execute(statement, parameters))

    def _execute_no_params(self, cursor: Any, statement: str, _context: Any) -> bool:
        return self._run(cursor, statement, lambda: cursor.execute(statement))

    def _executemany(self, cursor: Any, statement: str, parameters: Any, _context: Any) -> bool:
        return self._run(cursor, statement, lambda: cursor.executemany(statement, parameters))

    def _run(self, cursor: Any, statement: str, execute: Callable[[], Any]) -> bool:
        attempt = ATTEMPT.get()
        if attempt is None:
            return False  # SQLAlchemy runs it as usual
        if attempt.gate is None:
            return self._run_faulty(attempt, cursor, execute)
        attempt.gate(cursor.connection, statement)
        try:
            return self._run_faulty(attempt, cursor, execute)
        finally:
            attempt.gate(None, "(goes on)")

    def _run_faulty(self, attempt: Attempt, cursor: Any, execute: Callable[[], Any]) -> bool:
        fault = attempt.next()
        kind = fault.kind if fault else None
        if kind is not None and kind not in COMMIT_KINDS:
            attempt.fired = f"{kind} at statement {attempt.steps - 1}"
        if kind == "slow":
            self.clock.jump(30)
        if kind in ("error_before", "serialization", "lost_before"):
            self._fail(cursor, kind)
        if kind in COMMIT_KINDS:  # planned for a COMMIT: a statement there runs as usual
            attempt.fault = Fault(attempt.steps, kind)
        execute()
        if kind in ("error_after", "lost_after"):
            self._fail(cursor, kind)
        return True

    def _commit_with(self, dialect: Any) -> Callable[[Any], None]:
        real = type(dialect).do_commit

        def do_commit(dbapi_connection: Any) -> None:
            attempt = ATTEMPT.get()
            if attempt is None:
                real(dialect, dbapi_connection)
                return
            if attempt.gate is None:
                commit(attempt, dbapi_connection)
                return
            attempt.gate(_driver(dbapi_connection), "COMMIT")
            try:
                commit(attempt, dbapi_connection)
            finally:
                attempt.gate(None, "(goes on after COMMIT)")

        def commit(attempt: Attempt, dbapi_connection: Any) -> None:
            fault = attempt.next()
            kind = AT_COMMIT.get(fault.kind, fault.kind) if fault is not None else None
            if kind not in (None, "none"):
                attempt.fired = f"{kind} at COMMIT"
            if kind == "slow":
                self.clock.jump(30)
            if kind in ("error_before", "serialization"):  # COMMIT refused: nothing recorded
                attempt.commits.append("refused")
                raise self._error(kind)
            if kind == "lost_before_commit":
                attempt.commits.append(kind)
                _driver(dbapi_connection).close()
                raise self._lost()
            real(dialect, dbapi_connection)
            attempt.commits.append(kind if kind == "lost_after_commit" else "ok")
            if kind == "lost_after_commit":
                _driver(dbapi_connection).close()
                raise self._lost()

        return do_commit

    def _fail(self, cursor: Any, kind: str) -> None:
        if self._sqlite:
            cursor.close()  # else its statement holds the write lock until garbage collection
        if kind.startswith("lost"):
            cursor.connection.close()
            raise self._lost()
        raise self._error(kind)

    def _error(self, kind: str) -> Exception:
        if kind == "serialization":
            if self._sqlite:
                return sqlite3.OperationalError("database is locked")
            return psycopg.errors.SerializationFailure("injected: could not serialize access")
        return (sqlite3.OperationalError if self._sqlite else psycopg.OperationalError)("injected: statement failed")

    def _lost(self) -> Exception:
        if self._sqlite:
            return sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return psycopg.OperationalError("injected: the connection was lost")


def _driver(connection: Any) -> Any:
    """The driver's own connection under SQLAlchemy's pool proxy (closing the proxy would only return it)."""
    return getattr(connection, "dbapi_connection", connection)
