"""Every write fails once with a serialization failure after doing all its work, then succeeds on the retry:
the whole sale flow still gives exactly one of everything (reliability guide, "retry")."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from loyalty.api.app import create_app
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.engine import Database
from loyalty.members import access
from loyalty.settings import Settings
from loyalty.wallet import ledger
from tests.conftest import make_tenant
from tests.pos.test_sale_flow import ok, sale, shop

T = TypeVar("T")


class FailingOnceDatabase(Database):
    """Runs each write's work in full, then fails that first attempt as a conflicting transaction would."""

    attempts = 0
    writes = 0

    def write(self, work: Callable[[Session], T]) -> T:
        self.writes += 1
        first = True

        def failing_once(session: Session) -> T:
            nonlocal first
            self.attempts += 1
            result = work(session)
            session.flush()
            if first:
                first = False
                if self.is_sqlite:
                    raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))
                session.execute(text("DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; END $$"))
            return result

        return super().write(failing_once)


@pytest.fixture
def failing_db(database_url: str) -> Iterator[FailingOnceDatabase]:
    db = FailingOnceDatabase(database_url)
    yield db
    db.dispose()


def test_a_whole_sale_flow_with_every_write_retried_once_records_each_thing_once(
    failing_db: FailingOnceDatabase,
) -> None:
    with TestClient(create_app(Settings(database_url=failing_db.url), db=failing_db)) as client:
        tenant = make_tenant(failing_db, client)
        made = shop(tenant)
        member_id = made["member"]["id"]
        paid = ok(
            client.post(
                "/v1/payments",
                headers=tenant.pos | {"Idempotency-Key": "T-1-pay"},
                json={"member_id": member_id, "transaction_id": "T-1", "amount": "5.00"},
            ),
            201,
        )
        body = sale(
            member_id,
            "T-1",
            benefits=[made["asset"]["id"]],
            codes=["SUMMER10"],
            payments=[{"mop": "card", "amount": "25.60"}],
        )
        confirmed = ok(client.post("/v1/purchases", headers=tenant.pos, json=body), 201)
        returned = ok(
            client.post(
                f"/v1/purchases/{confirmed['id']}/returns",
                headers=tenant.pos,
                json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
            ),
            201,
        )
        member = ok(client.get(f"/v1/members/{member_id}", headers=tenant.pos))

    assert failing_db.attempts == 2 * failing_db.writes  # every write failed once and then succeeded
    assert paid["points_used"] == "5.00" and confirmed["redeemed"] == [made["asset"]["id"]]
    expected = 20 - 5 + Decimal(confirmed["points_earned"]) - Decimal(returned["points_taken_back"])
    assert Decimal(member["points_balance"]) == expected  # nothing posted twice
    with failing_db.read() as session:
        assert ledger.verify(session) == []


def test_rules_seen_by_a_transaction_that_rolls_back_are_never_used_afterwards(db: Database) -> None:
    made = db.write(lambda session: access.create_business(session, name="Rollback shop"))
    welcome = {
        "name": "welcome",
        "trigger": "joined",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "fixed", "points": "50"}],
    }

    def change_rules_then_fail(session: Session) -> None:
        business = access.business(session, made.business.id)
        campaigns.create(session, business=business, data=welcome, actor="test")
        assert len(campaigns.active_rules(session, business=business)) == 1
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        db.write(change_rules_then_fail)

    def indexed(session: Session) -> list[str | None]:
        business = access.business(session, made.business.id)
        campaigns.create(session, business=business, data={**welcome, "name": "kept"}, actor="test")
        return [rule.name for rule in campaigns.active_rules(session, business=business).rules]

    assert db.write(indexed) == ["kept"]
    with db.read() as session:
        business = access.business(session, made.business.id)
        assert [rule.name for rule in campaigns.active_rules(session, business=business).rules] == ["kept"]
