"""Upgrading a database that has balances from before lots: each becomes one lot, and the ledger verifies."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, select

from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.db.models import LotAllocation, PointsLot
from loyalty.wallet import ledger
from tests.conftest import _new_database_url


def test_balances_held_before_lots_become_one_never_expiring_lot_each(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = _new_database_url(tmp_path_factory)
    command.upgrade(migrate.alembic_config(url), "0001")
    business, ada, bob, carl = (uuid.uuid4() for _ in range(4))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO business (id, name, currency, country, timezone, points_decimals, point_value_minor,"
            " identification_code_length, identification_code_ttl_seconds, allow_negative_balance, rules_version,"
            f" created_at) VALUES ({_literal(url, business)}, 'Old shop', 'CHF', 'CH', 'Europe/Zurich', 2, 100, 4,"
            f" 300, {_true(url)}, 0, '2026-01-01 00:00:00+00:00')"
        )
        for member, phone, balance in (
            (ada, "+41791234567", 1250),
            (bob, "+41791234568", 0),
            (carl, "+41791234569", -300),
        ):
            connection.exec_driver_sql(
                "INSERT INTO member (id, business_id, phone, first_name, last_name, status, tags, consent_terms,"
                " consent_sms, consent_email, points_balance, lifetime_points, created_at) VALUES"
                f" ({_literal(url, member)}, {_literal(url, business)}, '{phone}', '', '', 'active', '[]',"
                f" {_false(url)}, {_false(url)}, {_false(url)}, {balance}, 0, '2026-01-01 00:00:00+00:00')"
            )
            if balance:
                transaction = uuid.uuid4()
                connection.exec_driver_sql(
                    "INSERT INTO ledger_transaction (id, business_id, kind, member_id, reason, created_at) VALUES"
                    f" ({_literal(url, transaction)}, {_literal(url, business)}, 'adjust', {_literal(url, member)},"
                    " 'old', '2026-01-01 00:00:00+00:00')"
                )
                for account, amount, owner in (
                    ("member", balance, _literal(url, member)),
                    ("adjusted", -balance, "NULL"),
                ):
                    connection.exec_driver_sql(
                        "INSERT INTO ledger_entry (id, business_id, transaction_id, account, member_id, amount,"
                        f" created_at) VALUES ({_literal(url, uuid.uuid4())}, {_literal(url, business)},"
                        f" {_literal(url, transaction)}, '{account}', {owner}, {amount}, '2026-01-01 00:00:00+00:00')"
                    )
    engine.dispose()
    migrate.upgrade(url)
    db = Database(url)
    with db.read() as session:
        lots = session.scalars(select(PointsLot)).all()
        assert [(lot.member_id, lot.amount, lot.remaining, lot.kind, lot.expires_at) for lot in lots] == [
            (ada, 1250, 1250, "opening", None)
        ]
        debts = session.scalars(select(LotAllocation)).all()
        assert [(debt.member_id, debt.lot_id, debt.amount) for debt in debts] == [(carl, None, 300)]
        assert ledger.verify(session) == []
    db.dispose()


def _literal(url: str, value: uuid.UUID) -> str:
    # SQLite keeps UUIDs as 32 hex digits (SQLAlchemy's Uuid), PostgreSQL as its uuid type.
    return f"'{value}'" if "postgresql" in url else f"'{value.hex}'"


def _false(url: str) -> str:
    return "false" if "postgresql" in url else "0"


def _true(url: str) -> str:
    return "true" if "postgresql" in url else "1"
