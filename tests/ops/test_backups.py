"""`loyalty backup` while purchases are written, `loyalty restore` into an empty database, `loyalty verify` clean."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import Member, Purchase, PurchaseLine
from loyalty.messages import outbound
from loyalty.settings import Settings
from tests.conftest import _new_database_url, make_tenant
from tests.lots.helpers import buy, shop
from tests.support.people import phone, register


def loyalty(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, timeout=300
    )


def purchases(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Purchase)) or 0)


def test_backup_while_selling_then_restore_and_verify(
    fresh_database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = Database(fresh_database_url)
    with TestClient(create_app(Settings(database_url=fresh_database_url), db=source)) as client:
        tenant = make_tenant(source, client)
        shop(tenant)
        members = [register(tenant, phone(n))["id"] for n in range(5)]
        stop = threading.Event()
        sold: list[int] = []

        def sell() -> None:
            n = 0
            while not stop.is_set():
                buy(tenant, members[n % len(members)], f"{n % 7 + 1}.00")
                n += 1
            sold.append(n)

        seller = threading.Thread(target=sell)
        seller.start()
        try:
            while purchases(source) < 20:
                time.sleep(0.05)
            before = purchases(source)
            made = loyalty(fresh_database_url, "backup", str(tmp_path / "copy.bak"))
            after = purchases(source)
        finally:
            stop.set()
            seller.join(timeout=60)
    source.dispose()
    assert made.returncode == 0, made.stderr
    assert after > before, "purchases went on while the copy was taken"

    target_url = _new_database_url(tmp_path_factory)  # never migrated: as empty as can be
    restored = loyalty(target_url, "restore", str(tmp_path / "copy.bak"))
    assert restored.returncode == 0, restored.stderr
    assert "held" in restored.stdout
    verified = loyalty(target_url, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    target = Database(target_url)
    try:
        with target.read() as session:
            count = int(session.scalar(select(func.count()).select_from(Purchase)) or 0)
            # Each member's balance is what their restored purchases earned: no purchase without its points,
            # no points without their purchase (one point per 1.00, nothing spent).
            earned = dict(
                session.execute(
                    select(Purchase.member_id, func.sum(PurchaseLine.points_earned))
                    .join(PurchaseLine, PurchaseLine.purchase_id == Purchase.id)
                    .group_by(Purchase.member_id)
                ).all()
            )
            balances = dict(session.execute(select(Member.id, Member.points_balance)).all())
            held = outbound.paused(session)
        assert before <= count <= after
        assert {member_id: balances[member_id] for member_id in earned} == earned
        assert held
    finally:
        target.dispose()

    assert loyalty(target_url, "outbound").stdout.startswith("held")
    assert loyalty(target_url, "outbound", "resume").returncode == 0
    assert loyalty(target_url, "outbound").stdout.startswith("flowing")

    again = loyalty(target_url, "restore", str(tmp_path / "copy.bak"))
    assert again.returncode == 2
    assert "not empty" in again.stderr


def test_backup_never_overwrites_a_file(fresh_database_url: str, tmp_path: Path) -> None:
    existing = tmp_path / "kept.bak"
    existing.write_text("precious")
    made = loyalty(fresh_database_url, "backup", str(existing))
    assert made.returncode == 2
    assert existing.read_text() == "precious"


def test_restore_into_a_migrated_empty_database(
    fresh_database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    source = Database(fresh_database_url)
    with TestClient(create_app(Settings(database_url=fresh_database_url), db=source)) as client:
        tenant = make_tenant(source, client)
        shop(tenant)
        ada = register(tenant)["id"]
        bought = [buy(tenant, ada, f"{n}.00")["id"] for n in (3, 4)]
        assert client.get("/metrics").status_code == 200  # a served database, metrics and all
    source.dispose()
    assert loyalty(fresh_database_url, "backup", str(tmp_path / "small.bak")).returncode == 0

    target_url = _new_database_url(tmp_path_factory)
    assert loyalty(target_url, "db", "upgrade").returncode == 0  # tables, but no business: still empty
    restored = loyalty(target_url, "restore", str(tmp_path / "small.bak"))
    assert restored.returncode == 0, restored.stderr
    assert loyalty(target_url, "verify").returncode == 0
    target = Database(target_url)
    try:
        with target.read() as session:
            assert {str(found) for found in session.scalars(select(Purchase.id))} == set(bought)
            assert session.get(Member, uuid.UUID(ada)).points_balance == 700  # type: ignore[union-attr]
    finally:
        target.dispose()
