"""Helpers for tests that need members, benefits and rules of a test's own business."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

from loyalty.campaigns import rulebook as campaigns
from loyalty.db.engine import Database
from loyalty.db.models import Purchase
from loyalty.members import access
from tests.conftest import Tenant

ADA_PHONE = "+41 79 123 45 67"
ADA_E164 = "+41791234567"


def register(tenant: Tenant, phone: str = ADA_PHONE, *, key: str = "admin", **fields: Any) -> dict[str, Any]:
    """A member registered through the API; fails the test on anything but 201."""
    headers = tenant.admin if key == "admin" else tenant.pos
    answer = tenant.client.post("/v1/members", json={"phone": phone, **fields}, headers=headers)
    assert answer.status_code == 201, answer.text
    member: dict[str, Any] = answer.json()
    return member


def phone(index: int) -> str:
    """The `index`-th of many distinct valid Swiss mobile numbers."""
    return f"+41 78 {index // 10000 % 1000:03d} {index % 10000 // 100:02d} {index % 100:02d}"


def benefit(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    body = {"name": "10% off coffee", "kind": "discount", "discount": {"percent": "10", "max": "20.00"}} | fields
    answer = tenant.client.post("/v1/benefits", json=body, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def adjust(tenant: Tenant, member_id: str, points: str, reason: str = "test") -> dict[str, Any]:
    answer = tenant.client.post(
        f"/v1/members/{member_id}/adjustments", json={"points": points, "reason": reason}, headers=tenant.admin
    )
    assert answer.status_code == 201, answer.text
    done: dict[str, Any] = answer.json()
    return done


def member_key(db: Database, tenant: Tenant, member_id: str) -> dict[str, str]:
    """The headers of a member-app session key for this member."""
    raw, _ = db.write(
        lambda session: access.issue_key(
            session, business_id=uuid.UUID(tenant.business_id), kind="member", member_id=uuid.UUID(member_id)
        )
    )
    return {"Authorization": f"Bearer {raw}"}


def active_rule(db: Database, tenant: Tenant, **definition: Any) -> str:
    """An active rule of the tenant's business, made with the Campaign Center's service."""

    def work(session: Any) -> str:
        business = access.business(session, uuid.UUID(tenant.business_id))
        body = {"name": "test rule", "status": "active", **definition}
        return str(campaigns.create(session, business=business, data=body, actor="test").id)

    return db.write(work)


def verify(database_url: str) -> subprocess.CompletedProcess[str]:
    """`python -m loyalty verify` against a database, as an operator would run it."""
    env = os.environ | {"LOYALTY_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", "verify"], env=env, capture_output=True, text=True, timeout=120
    )


def recorded_purchase(db: Database, tenant: Tenant) -> uuid.UUID:
    """A bare purchase row for redemptions and code uses to point at, without the point-of-sale flow."""
    row = Purchase(
        business_id=uuid.UUID(tenant.business_id),
        terminal_id=uuid.UUID(tenant.terminal_id),
        transaction_id=f"T-{uuid.uuid4()}",
        request_hash="0" * 64,
        response={},
        total_minor=0,
    )

    def work(session: Any) -> uuid.UUID:
        session.add(row)
        session.flush()
        return row.id

    return db.write(work)
