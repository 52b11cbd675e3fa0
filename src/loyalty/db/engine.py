"""Engines and transactions: SQLite made safe for concurrent writers, PostgreSQL as production.

SQLite: WAL so readers never block the writer, foreign keys on, a busy timeout, and every write
transaction opened with BEGIN IMMEDIATE. pysqlite's default deferred BEGIN lets two processes read the
same balance and both write it back (a lost update); IMMEDIATE takes the write lock before the read.

Every write runs through `Database.write(fn)`: one transaction, committed before the caller answers,
retried whole on a serialization failure (SQLSTATE 40001/40P01) or SQLite's "database is locked", and on a
connection lost before COMMIT was sent (nothing of it can have been recorded). A connection lost while COMMIT is
in flight is different: the server may have committed, so the write raises `CommitOutcomeUnknown` and only the
client, retrying with the same key, can settle it.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from loyalty import jsontext
from loyalty.db import later
from loyalty.db.checkpoints import Checkpointer
from loyalty.db.witness import Witness, WriteNotWitnessed

T = TypeVar("T")
log = logging.getLogger("loyalty.db")

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A PostgreSQL connection that rested in the pool this long is pinged before use (see _ping_rested).
PING_AFTER_REST_SECONDS = 1.0


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, immediate: bool = True, pool_size: int = 10) -> Engine:
    """An engine for `url`. On SQLite, `immediate=False` gives a reader whose BEGIN takes no write lock."""
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, json_serializer=jsontext.dumps
        )
        later.send_before_each_statement(engine)  # first: a transaction's BEGIN finds no queue of another's
        _make_sqlite_safe(engine, begin="BEGIN IMMEDIATE" if immediate else "BEGIN")
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, json_serializer=jsontext.dumps)
    later.send_before_each_statement(engine)
    _ping_rested(engine)
    return engine


def _ping_rested(engine: Engine) -> None:
    """Ping a connection before use only when it rested in the pool: one that was just in use is known alive, so a
    busy server pays no ping per transaction. A dead one found so (the server restarted, a failover) has the whole
    pool replaced. A connection that dies between two uses fails its first statement instead, which marks it lost:
    a write is then run again on a fresh connection (Database.write), and so is a keyed read (its first statement,
    the key check, has read nothing yet)."""

    @event.listens_for(engine.pool, "checkin")
    def rested_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_REST_SECONDS:
            return  # a fresh connection, or one just used
        if not engine.dialect._do_ping_w_event(dbapi_connection):
            raise InvalidatePoolError()


SQLITE_SYNCHRONOUS = ("FULL", "NORMAL", "EXTRA")


def sqlite_synchronous(environ: Mapping[str, str] | None = None) -> str:
    """LOYALTY_SQLITE_SYNCHRONOUS (FULL by default), read where connections are made; Settings checks it at start."""
    chosen = ((os.environ if environ is None else environ).get("LOYALTY_SQLITE_SYNCHRONOUS") or "FULL").upper()
    if chosen not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"LOYALTY_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}, not {chosen!r}")
    return chosen


def _make_sqlite_safe(engine: Engine, *, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so our own BEGIN is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL: the WAL is synced at each commit, so an acknowledged sale survives a power cut too (NORMAL keeps
        # the file consistent but may lose the last commits then; LOYALTY_SQLITE_SYNCHRONOUS=NORMAL chooses it).
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        later.run(connection, begin)  # on the driver's cursor: SQLAlchemy's execution would cost more than it


def backoff(attempt: int) -> None:
    """The pause before a write's next attempt: random and growing, so retrying writers spread out (a simulation
    replaces it with a jump of its own clock)."""
    time.sleep(random.uniform(0, 0.005 * 2**attempt))


class CommitOutcomeUnknown(Exception):
    """The write may or may not have been recorded: the connection was lost while COMMIT was in flight, or the COMMIT
    was made without a standby while another node may have taken over (see witness.py)."""


class RetryTransaction(Exception):
    """Raised inside a write to have it rolled back and run again from the start, e.g. after losing an insert
    race on a unique key, when the fresh attempt will see the winner's committed row."""


def is_retryable(error: BaseException) -> bool:
    """True for failures that a fresh attempt of the same transaction can succeed after."""
    if not isinstance(error, DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def is_connection_lost(error: BaseException) -> bool:
    """True when the database connection broke (server gone, failover, network), not when a statement failed."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


# The driver's failures, as a door catches them without knowing the driver.
DatabaseFailure = DBAPIError


def is_unreachable(error: BaseException) -> bool:
    """The connection broke, or could not be made (no statement was sent: the server is away)."""
    cannot_connect = isinstance(error, OperationalError) and error.statement is None and not is_retryable(error)
    return is_connection_lost(error) or cannot_connect


class Database:
    """The writer and reader engines of one database URL, and the transaction runner."""

    def __init__(self, url: str, *, max_attempts: int = 8) -> None:
        self.url = url
        self.writer = make_engine(url)
        self.reader = make_engine(url, immediate=False) if is_sqlite(url) else self.writer
        self._checkpoints = Checkpointer(writer=self.writer, reader=self.reader) if is_sqlite(url) else None
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)
        self.max_attempts = max_attempts
        self._witness = None if self.is_sqlite else Witness.of(url)
        # SQLite has one writer at a time: threads of this process queue here, in order, instead of
        # polling the file lock in the busy handler's growing sleeps. Other processes still wait on the file.
        self._local_writers: AbstractContextManager[object] = threading.Lock() if self.is_sqlite else nullcontext()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction and commit; retry the whole of it when that is safe.

        `work` must have no effect outside the session: it may run more than once.
        """
        for attempt in range(1, self.max_attempts + 1):
            committing = False
            try:
                with self._local_writers, self._write_sessions() as session:
                    with session.begin():
                        result = work(session)
                        session.flush()
                        later.send(later.connection_of(session))  # its failures are the transaction's, not COMMIT's
                        committing = True  # what fails from here on fails in COMMIT, when the block ends
                    if self._witness is not None:
                        self._witness.confirm(session)
                return result
            except WriteNotWitnessed as error:
                raise CommitOutcomeUnknown(str(error)) from error
            except (DBAPIError, RetryTransaction) as error:
                if committing and is_connection_lost(error):
                    raise CommitOutcomeUnknown("the connection was lost during COMMIT") from error
                again = isinstance(error, RetryTransaction) or is_retryable(error) or is_connection_lost(error)
                if attempt == self.max_attempts or not again:
                    raise
                reason = type(getattr(error, "orig", error)).__name__
                log.info("retrying a write transaction", extra={"attempt": attempt, "reason": reason})
                backoff(attempt)
        raise AssertionError("unreachable")

    def checkpoint(self) -> None:
        """SQLite: the WAL copied back into the database file now (PASSIVE: waiting for no one). A bulk load calls it
        between its transactions: the background checkpoints never catch up with writes that follow each other
        without a pause, so the WAL, and the index of it each connection maps, would grow with all that is
        loaded; once copied back, the next transaction starts the WAL over. Nothing on PostgreSQL."""
        if self._checkpoints is not None:
            self._checkpoints.checkpoint()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads only; closing it rolls its transaction back, loaded objects stay readable."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()
