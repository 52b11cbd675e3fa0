"""Every statement identification runs is an index seek scoped by the business, whatever the number of members:
each way is run for real, the statements it sent are caught, and the database's own planner is asked how it
runs them (SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN with sequential scans priced out, so that a tiny
test table cannot hide a missing index)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from loyalty.db import prepared
from loyalty.db.engine import Database
from loyalty.db.models import IdentificationCode, IdentifyFailure, Member, now
from loyalty.members import access, identification, lockouts
from loyalty.settings import Settings
from tests.conftest import Tenant
from tests.support.people import register

CAUGHT = ("SELECT", "DELETE", "UPDATE", "INSERT")


@contextmanager
def caught(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements (with their parameters) the writer runs while the block runs."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(CAUGHT):
            seen.append((statement, parameters))

    def direct(statement: str, parameters: Any, queued: bool) -> None:  # on the driver's cursor (loyalty.db.later)
        note(None, None, statement, parameters[0] if queued else parameters, None, queued)

    event.listen(db.writer, "before_cursor_execute", note)
    prepared.observers.append(direct)
    try:
        yield seen
    finally:
        event.remove(db.writer, "before_cursor_execute", note)
        prepared.observers.remove(direct)


def plans(db: Database, seen: list[tuple[str, Any]]) -> list[str]:
    """The plan of each caught statement, as one text per statement."""
    found = []
    with db.writer.connect() as connection:
        if not db.is_sqlite:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in seen:
            prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            found.append("\n".join(str(row[-1]) for row in rows))
        connection.rollback()
    return found


def index_conditions(plan: str) -> list[str]:
    """What each index seek in `plan` is bounded by; fails on a scan of a whole table."""
    if "SCAN " in plan.replace("SCAN CONSTANT ROW", "") or "Seq Scan" in plan:
        pytest.fail(f"a table scan:\n{plan}")
    return re.findall(r"SEARCH \w+ USING (?:COVERING )?(?:INDEX \w+|INTEGER PRIMARY KEY) \((.*)\)", plan) + re.findall(
        r"Index Cond: (.*)", plan
    )


def assert_seeks(db: Database, seen: list[tuple[str, Any]], *columns: str) -> None:
    """Each statement only seeks, each seek is by the business (or a primary key), and the lookup's own
    columns are among what bounds the seeks."""
    bounds: list[str] = []
    for plan in plans(db, seen):
        for condition in index_conditions(plan):
            assert "business_id" in condition or re.search(r"\bid ?= ?", condition), plan
            bounds.append(condition)
    for column in columns:
        assert any(column in bound for bound in bounds), (column, bounds)


def crowd(db: Database, tenant: Tenant, size: int = 2_000) -> None:
    """Enough rows beside the test's own for the planner's choices to be the ones it makes at scale: members,
    the dead codes they left behind, and failures from before the window."""
    business_id, long_ago = uuid.UUID(tenant.business_id), now() - timedelta(days=1)
    people = [
        {"id": uuid.uuid4(), "business_id": business_id, "phone": f"+4177{n:07d}", "email": f"crowd.{n}@example.com",
         "member_number": f"C{n}", "status": "active", "tags": [], "created_at": long_ago}
        for n in range(size)
    ]  # fmt: skip
    codes = [
        {"id": uuid.uuid4(), "business_id": business_id, "member_id": person["id"], "created_at": long_ago,
         "expires_at": long_ago, "code_hash": identification.digest(business_id, "code", f"{n:06d}"),
         "qr_hash": identification.digest(business_id, "qr", f"dead-{n}")}
        for n, person in enumerate(people)
    ]  # fmt: skip
    failures = [{"id": uuid.uuid4(), "business_id": business_id, "at": long_ago} for _ in range(size)]
    with db.writer.begin() as connection:
        connection.execute(insert(Member), people)
        connection.execute(insert(IdentificationCode), codes)
        connection.execute(insert(IdentifyFailure), failures)
    if not db.is_sqlite:  # as autovacuum would after such a load
        with db.writer.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE member, identification_code, identify_failure"
            )


@pytest.fixture
def run(db: Database, tenant: Tenant) -> Callable[[Callable[[Session], Any]], list[tuple[str, Any]]]:
    crowd(db, tenant)

    def running(work: Callable[[Session], Any]) -> list[tuple[str, Any]]:
        with caught(db) as seen:
            db.write(work)
        return seen

    return running


def test_each_way_of_identifying_is_an_index_seek_scoped_by_the_business(
    tenant: Tenant, db: Database, settings: Settings, run: Callable[[Callable[[Session], Any]], list[tuple[str, Any]]]
) -> None:
    register(tenant, email="Ada@Example.com", member_number="M-7")
    member = register(tenant, "+41 79 555 00 01", email="bob@example.com", member_number="M-8")
    business_id, terminal_id = uuid.UUID(tenant.business_id), uuid.UUID(tenant.terminal_id)

    def fresh(kind: str) -> str:  # a new code replaces the last one, so each is issued just before its use
        answer = tenant.client.post(f"/v1/members/{member['id']}/identification-code", headers=tenant.admin)
        return str(answer.json()[kind])

    ways: list[tuple[str, Callable[[], str], str]] = [
        ("phone", lambda: "079 123 45 67", "phone"),
        ("email", lambda: " ADA@example.COM", "email"),
        ("member_number", lambda: "M-7", "member_number"),
        ("code", lambda: fresh("code"), "code_hash"),
        ("qr", lambda: fresh("qr"), "qr_hash"),
    ]
    for way, given, column in ways:
        value = given()

        def work(session: Session, way: str = way, value: str = value) -> None:
            business = access.business(session, business_id)
            found = identification.identify(
                session, business=business, terminal_id=terminal_id, way=way, value=value, settings=settings, at=now()
            )
            assert found is not None, way

        seen = run(work)
        # The limits are counted by the till's own failures in the window, and the business's, on their indexes.
        limits = ("terminal_id", "at") if way != "qr" else ()
        assert_seeks(db, seen, column, *limits)


def test_a_failed_search_notes_and_counts_its_failure_by_index(
    tenant: Tenant, db: Database, settings: Settings, run: Callable[[Callable[[Session], Any]], list[tuple[str, Any]]]
) -> None:
    business_id, terminal_id = uuid.UUID(tenant.business_id), uuid.UUID(tenant.terminal_id)
    left: list[int] = []

    def work(session: Session) -> None:
        business = access.business(session, business_id)
        at = now()
        found = identification.identify(
            session,
            business=business,
            terminal_id=terminal_id,
            way="phone",
            value="079 555 99 99",
            settings=settings,
            at=at,
        )
        assert found is None
        left.append(
            lockouts.tries_left(session, business_id=business_id, terminal_id=terminal_id, settings=settings, at=at)
        )

    seen = run(work)
    # A phone that names nobody is counted as a lookup, not a guess: the codes' tries are all left.
    assert left == [settings.identify_failures_per_terminal]
    assert_seeks(db, seen, "phone", "terminal_id", "kind", "at")


def test_the_guessing_risk_reads_only_the_business_codes(
    tenant: Tenant, db: Database, settings: Settings, run: Callable[[Callable[[Session], Any]], list[tuple[str, Any]]]
) -> None:
    business_id = uuid.UUID(tenant.business_id)

    def work(session: Session) -> None:
        business = access.business(session, business_id)
        identification.risk(session, business=business, settings=settings, at=now())

    assert_seeks(db, run(work), "business_id")
