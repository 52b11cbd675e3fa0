"""Exporting a busy business and importing the file into an empty one gives the same members, balances, lots,
credit and wallet: through `loyalty export` and `loyalty import`, as an operator moves a programme."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Member
from tests.conftest import Tenant, make_tenant
from tests.support.moving import lots, member, problems, wallet
from tests.support.people import adjust, benefit, phone, register


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LOYALTY_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def busy(tenant: Tenant) -> list[str]:
    """Members who bought, earned points into lots that expire, topped up and paid with credit, spent points, and
    hold benefits."""
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"points_expire_after_days": 365}))
    rule = {
        "name": "1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=rule), 201)
    coffee = benefit(tenant, name="Free coffee")
    cake = benefit(tenant, name="Cake")
    ids = []
    for index in range(4):
        made = register(
            tenant,
            phone(9000 + index),
            first_name=f"Member {index}",
            email=f"m{index}@example.com",
            tags=["regular"] if index % 2 else [],
            consent={"terms": True, "sms": index % 2 == 0},
        )
        ids.append(made["id"])
        for sale in range(index + 1):
            body = {
                "transaction_id": f"T-{index}-{sale}-{uuid.uuid4().hex[:6]}",
                "member_id": made["id"],
                "items": [{"line_id": "1", "code": "TICKET", "amount": f"{12 + sale}.50"}],
            }
            ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=body), 201)
        if index:
            headers = tenant.pos | {"Idempotency-Key": uuid.uuid4().hex}
            ok(tenant.client.post(f"/v1/members/{made['id']}/credit", headers=headers, json={"amount": "30.00"}), 201)
            paid = {"member_id": made["id"], "transaction_id": f"P-{index}", "amount": "7.25", "wallet": "credit"}
            headers = tenant.pos | {"Idempotency-Key": uuid.uuid4().hex}
            ok(tenant.client.post("/v1/payments", headers=headers, json=paid), 201)
        adjust(tenant, made["id"], "3", "a gift")
        if index == 2:
            adjust(tenant, made["id"], "-20", "spent")  # takes from the oldest lots
        for template in (coffee, cake)[: index % 3]:
            url = f"/v1/members/{made['id']}/benefits"
            ok(tenant.client.post(url, json={"benefit_id": template["id"]}, headers=tenant.admin), 201)
    return ids


def holdings(db: Database, row: Member) -> dict[str, Any]:
    return {
        "phone": row.phone,
        "email": row.email,
        "names": (row.first_name, row.last_name),
        "status": row.status,
        "tags": row.tags,
        "consent": (row.consent_terms, row.consent_sms, row.consent_email),
        "points": row.points_balance,
        "credit": row.credit_balance,
        "lots": [(remaining, earned, expires) for remaining, earned, _, expires in lots(db, row.id)],
        "wallet": wallet(db, row.id),
    }


def test_export_then_import_into_an_empty_business_gives_the_same_members(
    tenant: Tenant, db: Database, database_url: str, tmp_path: Path
) -> None:
    ids = busy(tenant)
    empty = make_tenant(db, tenant.client, name="The new house")
    ok(empty.client.patch("/v1/business", headers=empty.admin, json={"points_expire_after_days": 365}))
    benefit(empty, name="Free coffee")
    benefit(empty, name="Cake")
    file = tmp_path / "members.ndjson"
    exported = run(database_url, "export", "--business", tenant.business_id, "--output", str(file))
    assert exported.returncode == 0, exported.stderr
    assert len(file.read_text().splitlines()) == 4
    imported = run(database_url, "import", str(file), "--business", empty.business_id, "--json")
    assert imported.returncode == 0, imported.stderr
    answer = json.loads(imported.stdout.splitlines()[-1])
    assert (answer["created"], answer["rejected"], answer["dry_run"]) == (4, [], False)
    with db.read() as session:
        originals = {
            str(row.id): row
            for row in session.scalars(select(Member).where(Member.business_id == uuid.UUID(tenant.business_id)))
        }
    assert set(originals) == set(ids)
    for member_id, original in originals.items():
        moved = member(db, empty, member_id)  # the old id is the new member's external id
        assert moved is not None
        before, after = holdings(db, original), holdings(db, moved)
        assert before == after, member_id
        assert before["points"] > 0 and len(before["lots"]) >= 1
    assert any(holdings(db, row)["credit"] for row in originals.values())
    assert any(holdings(db, row)["wallet"] for row in originals.values())
    assert problems(db, empty) == [] and problems(db, tenant) == []
    again = run(database_url, "import", str(file), "--business", empty.business_id, "--json")
    assert json.loads(again.stdout.splitlines()[-1])["unchanged"] == 4


def test_a_csv_export_carries_each_members_balance_and_credit(
    tenant: Tenant, db: Database, database_url: str, tmp_path: Path
) -> None:
    busy(tenant)
    empty = make_tenant(db, tenant.client, name="The CSV house")
    benefit(empty, name="Free coffee")
    file = tmp_path / "members.csv"
    exported = run(database_url, "export", "--business", tenant.business_id, "--format", "csv", "-o", str(file))
    assert exported.returncode == 0, exported.stderr
    header = file.read_text().splitlines()[0]
    assert header.startswith("external_id,phone,email,first_name")
    dry = run(database_url, "import", str(file), "--business", empty.business_id, "--dry-run")
    assert dry.returncode == 0 and "4 created" in dry.stdout, dry.stdout + dry.stderr
    done = run(database_url, "import", str(file), "--business", empty.business_id)
    assert done.returncode == 0 and "4 created" in done.stdout, done.stdout + done.stderr
    with db.read() as session:
        for row in session.scalars(select(Member).where(Member.business_id == uuid.UUID(tenant.business_id))):
            moved = member(db, empty, str(row.id))
            assert moved is not None
            assert (moved.points_balance, moved.credit_balance, moved.phone) == (
                row.points_balance,
                row.credit_balance,
                row.phone,
            )
