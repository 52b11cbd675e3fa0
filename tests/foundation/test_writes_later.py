"""Writes queued until the transaction's next statement or its COMMIT (`loyalty.db.later`) behave as if sent at once:
read back in the same transaction, kept with it, gone with it, and failing it; on PostgreSQL in one round trip."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import bindparam, event, func, literal, select
from sqlalchemy.exc import DBAPIError, IntegrityError, PendingRollbackError
from sqlalchemy.orm import Session

from loyalty.db import later, prepared
from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, Business, now
from loyalty.db.rows import insert_rows
from tests.conftest import BACKEND, Tenant


def _records(business_id: str, count: int, action: str) -> list[dict[str, Any]]:
    """Audit records of `business_id`, leaving their `id` and `details` to the columns' defaults."""
    return [
        {
            "business_id": uuid.UUID(business_id),
            "at": now(),
            "actor": "test",
            "action": action,
            "object_type": "test",
            "object_id": str(n),
        }
        for n in range(count)
    ]


def _count(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)) or 0


@pytest.fixture
def sent() -> Iterator[list[str]]:
    """The statements queued, as they are."""
    statements: list[str] = []

    def observe(sql: str, _parameters: Any, queued: bool) -> None:
        if queued:
            statements.append(sql)

    prepared.observers.append(observe)
    yield statements
    prepared.observers.remove(observe)


def test_a_queued_write_is_read_back_by_the_same_transaction_and_kept(db: Database, tenant: Tenant) -> None:
    action = f"later-{uuid.uuid4().hex}"

    def work(session: Session) -> int:
        insert_rows(session, AuditRecord, _records(tenant.business_id, 3, action), flush=False)
        return _count(session, action)  # the next statement sends the queue first

    assert db.write(work) == 3
    with db.read() as session:
        assert _count(session, action) == 3
        found = session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()
        assert all(record.details == {} and record.id for record in found)  # the columns' defaults, filled


def test_a_queued_write_goes_with_its_transaction_and_never_into_the_next(db: Database, tenant: Tenant) -> None:
    action = f"later-{uuid.uuid4().hex}"

    class Undone(Exception):
        pass

    def fail(session: Session) -> None:
        insert_rows(session, AuditRecord, _records(tenant.business_id, 2, action), flush=False)
        raise Undone()

    with pytest.raises(Undone):
        db.write(fail)
    db.write(lambda session: _count(session, "nothing"))  # the same pooled connection, a new transaction
    with db.read() as session:
        assert _count(session, action) == 0


def test_a_failing_queued_write_fails_its_transaction_before_commit(db: Database, tenant: Tenant) -> None:
    action = f"later-{uuid.uuid4().hex}"
    kept = _records(tenant.business_id, 1, action)
    orphan = _records(str(uuid.uuid4()), 1, action)  # a business that does not exist: the foreign key refuses it

    def work(session: Session) -> None:
        insert_rows(session, AuditRecord, kept, flush=False)
        insert_rows(session, AuditRecord, orphan, flush=False)

    with pytest.raises(IntegrityError):
        db.write(work)
    with db.read() as session:
        assert _count(session, action) == 0  # the first write went with the transaction


def test_inside_a_savepoint_a_write_fails_at_its_call(db: Database, tenant: Tenant) -> None:
    action = f"later-{uuid.uuid4().hex}"

    def work(session: Session) -> bool:
        insert_rows(session, AuditRecord, _records(tenant.business_id, 1, action), flush=False)
        try:
            with session.begin_nested():
                insert_rows(session, AuditRecord, _records(str(uuid.uuid4()), 1, action), flush=False)
        except IntegrityError:
            return True
        return False

    assert db.write(work) is True
    with db.read() as session:
        assert _count(session, action) == 1  # the write before the savepoint stands


@pytest.mark.skipif(BACKEND != "postgresql", reason="the pipeline is PostgreSQL's")
def test_on_postgresql_the_queue_goes_in_one_pipeline(db: Database, tenant: Tenant, sent: list[str]) -> None:
    import psycopg

    action = f"later-{uuid.uuid4().hex}"
    pipelines: list[int] = []
    opened = psycopg.Connection.pipeline

    def counted(self: Any) -> Any:
        pipelines.append(len(sent))
        return opened(self)

    def work(session: Session) -> None:
        for n in range(3):
            insert_rows(session, AuditRecord, _records(tenant.business_id, n + 1, action), flush=False)

    psycopg.Connection.pipeline = counted  # type: ignore[method-assign]
    try:
        db.write(work)
    finally:
        psycopg.Connection.pipeline = opened  # type: ignore[method-assign]
    assert pipelines == [3] and len(sent) == 3  # three statements (executemany each), one pipeline
    with db.read() as session:
        assert _count(session, action) == 6


def test_the_connection_is_asked_once_per_transaction_and_never_for_a_failed_one(db: Database) -> None:
    with Session(db.writer) as session:
        connection = later.connection_of(session)
        assert later.connection_of(session) is connection
        session.add(Business(name=None))  # NOT NULL: the flush fails, and with it the transaction
        with pytest.raises(IntegrityError):
            session.flush()
        with pytest.raises(PendingRollbackError):  # as session.connection() refuses it
            later.connection_of(session)
        session.rollback()
        assert later.connection_of(session).scalar(select(1)) == 1  # the next transaction's


def test_a_write_in_a_savepoint_goes_inside_it(db: Database, tenant: Tenant) -> None:
    action = f"later-{uuid.uuid4().hex}"

    def work(session: Session) -> None:
        later.connection_of(session)  # asked before the savepoint: it must be asked again inside it
        insert_rows(session, AuditRecord, _records(tenant.business_id, 1, action), flush=False)
        savepoint = session.begin_nested()
        insert_rows(session, AuditRecord, _records(tenant.business_id, 2, action), flush=False)
        savepoint.rollback()
        assert _count(session, action) == 1

    db.write(work)
    with db.read() as session:
        assert _count(session, action) == 1


@pytest.mark.parametrize("queued", [False, True])
def test_a_connection_lost_under_a_statement_raises_as_sqlalchemy_raises_it(db: Database, queued: bool) -> None:
    """Whatever the driver then says (SQLite's closed connection refuses even to close a cursor), the failure is
    SQLAlchemy's, with the connection marked lost, so a write is run again on a fresh one (Database.write)."""
    marker = f"lost-{uuid.uuid4().hex}"

    def lose(cursor: Any, statement: str, parameters: Any, *_: Any) -> bool:
        if marker not in str(parameters):
            return False
        cursor.connection.close()  # as a server going away under the statement
        if BACKEND == "sqlite":
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        raise psycopg.OperationalError("the connection was lost")

    for hook in ("do_execute", "do_executemany"):
        event.listen(db.writer, hook, lose, retval=True)
    try:
        with Session(db.writer) as session, pytest.raises(DBAPIError) as raised:
            if queued:
                later.execute(session, select(literal(1)).where(literal(marker) == literal(marker)), [{}])
                later.send(later.connection_of(session))
            else:
                later.first(session, select(literal(marker)), {})
        assert raised.value.connection_invalidated
    finally:
        for hook in ("do_execute", "do_executemany"):
            event.remove(db.writer, hook, lose)


_READ_BACK = select(AuditRecord.id, AuditRecord.at, AuditRecord.details, AuditRecord.object_id).where(
    AuditRecord.action == bindparam("action")
)


def test_records_read_on_the_driver_are_what_sqlalchemy_reads(db: Database, tenant: Tenant) -> None:
    """Ids, aware times and JSON come back converted as SQLAlchemy converts them, by the columns' own types; an
    object added but not flushed yet is read too, as a session's query would."""
    action = f"records-{uuid.uuid4().hex}"

    def work(session: Session) -> tuple[list[Any], list[Any]]:
        insert_rows(session, AuditRecord, _records(tenant.business_id, 1, action), flush=False)
        session.add(
            AuditRecord(
                business_id=uuid.UUID(tenant.business_id),
                actor="test",
                action=action,
                object_type="test",
                object_id="added",
                details={"name": "Café ☕", "lines": [1, 2]},
            )
        )
        ours = later.records(session, _READ_BACK, {"action": action})
        theirs = list(session.execute(_READ_BACK, {"action": action}))
        return ours, theirs

    ours, theirs = db.write(work)
    assert sorted(map(tuple, ours)) == sorted(map(tuple, theirs))
    assert {row.object_id for row in ours} == {"0", "added"}
    for row in ours:
        assert isinstance(row.id, uuid.UUID)
        assert row.at.tzinfo is not None
    assert {"name": "Café ☕", "lines": [1, 2]} in [row.details for row in ours]
