"""The database layer keeps concurrent writers correct and never answers 2xx for a failed commit."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Branch
from tests.conftest import BACKEND, Tenant

PROCESSES = 4
INCREMENTS = 60


def _increment_safely(url: str, times: int, start: Any) -> None:
    db = Database(url)
    start.wait()

    def bump(session: Session) -> None:
        value = session.execute(text("SELECT value FROM counter")).scalar_one()
        time.sleep(0.001)  # widen the window between the read and the write
        session.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})

    for _ in range(times):
        db.write(bump)
    db.dispose()


def _increment_naively(url: str, times: int, start: Any) -> None:
    engine = create_engine(url)  # pysqlite's defaults: a deferred BEGIN, issued only before the UPDATE
    start.wait()
    for _ in range(times):
        try:
            with engine.begin() as connection:
                value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                time.sleep(0.001)
                connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
        except OperationalError:
            pass  # a failed increment is as wrong as a lost one
    engine.dispose()


def _race(url: str, worker: object) -> int:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS counter"))
        connection.execute(text("CREATE TABLE counter (value INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)  # all race from the same moment, however slowly each was spawned
    processes = [context.Process(target=worker, args=(url, INCREMENTS, start)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    with engine.connect() as connection:
        value = connection.execute(text("SELECT value FROM counter")).scalar_one()
    engine.dispose()
    return int(value)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite engine's own guarantee")
def test_sqlite_read_then_write_from_several_processes_loses_no_update(fresh_database_url: str) -> None:
    assert _race(fresh_database_url, _increment_safely) == PROCESSES * INCREMENTS


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite engine's own guarantee")
def test_a_naive_sqlite_setup_fails_the_same_race(fresh_database_url: str) -> None:
    assert _race(fresh_database_url, _increment_naively) < PROCESSES * INCREMENTS


def _serialization_failure(session: Session, db: Database) -> None:
    if db.is_sqlite:
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    # A real SQLSTATE 40001 raised by PostgreSQL itself.
    session.execute(text("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = 'serialization_failure'; END $$"))


def test_a_write_is_retried_whole_after_a_serialization_failure(db: Database, tenant: Tenant) -> None:
    attempts = []

    def work(session: Session) -> str:
        attempts.append(1)
        branch = Branch(business_id=uuid.UUID(tenant.business_id), name=f"Retry {len(attempts)}")
        session.add(branch)
        session.flush()
        if len(attempts) == 1:
            _serialization_failure(session, db)
        return branch.name

    assert db.write(work) == "Retry 2"
    with db.read() as session:
        query = select(Branch.name).where(
            Branch.business_id == uuid.UUID(tenant.business_id), Branch.name.like("Retry %")
        )
        names = session.scalars(query)
        assert sorted(names) == ["Retry 2"]  # the first attempt left nothing behind


def test_a_write_that_is_not_retryable_fails_at_once(db: Database) -> None:
    attempts = []

    def work(session: Session) -> None:
        attempts.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises
        db.write(work)
    assert len(attempts) == 1


def test_a_failed_commit_is_never_answered_2xx(db: Database, tenant: Tenant) -> None:
    def refuse_commit(_connection: object) -> None:
        raise OperationalError("COMMIT", {}, RuntimeError("disk I/O error"))

    event.listen(db.writer, "commit", refuse_commit)
    try:
        answer = tenant.client.post("/v1/branches", json={"name": "Never committed"}, headers=tenant.admin)
    finally:
        event.remove(db.writer, "commit", refuse_commit)
    assert answer.status_code >= 500
    assert answer.json()["error"]["code"] in {"database_busy", "internal_error"}
    listed = tenant.client.get("/v1/branches", headers=tenant.admin).json()
    assert "Never committed" not in [branch["name"] for branch in listed]


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's write-ahead log")
def test_sqlite_commits_never_checkpoint_and_the_checkpoint_thread_does(fresh_database_url: str) -> None:
    db = Database(fresh_database_url)
    try:
        # A commit that ran the checkpoint would pay its fsyncs while holding the one write lock.
        assert db.write(lambda session: session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()) == 0
        db.write(lambda session: session.execute(text("CREATE TABLE marker (value TEXT)")))
        db.write(lambda session: session.execute(text("INSERT INTO marker VALUES ('written')")))
        # `immutable` reads the database file alone, not the log: the row gets there only by a checkpoint.
        path = fresh_database_url.removeprefix("sqlite:///")
        deadline = time.monotonic() + 10
        found: list[tuple[str]] = []
        while not found and time.monotonic() < deadline:
            time.sleep(0.2)
            with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as file_only:
                try:
                    found = file_only.execute("SELECT value FROM marker").fetchall()
                except sqlite3.OperationalError:  # the table itself is not in the file yet
                    found = []
        assert found == [("written",)]
    finally:
        db.dispose()
