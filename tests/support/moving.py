"""What the import and data-rights tests share: posting a file, reading what a member holds."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import Asset, LedgerTransaction, Member, PointsLot
from loyalty.wallet import credit, ledger
from tests.conftest import Tenant


def post_import(tenant: Tenant, body: str, *, fmt: str = "ndjson", dry_run: bool = False) -> dict[str, Any]:
    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    answer = tenant.client.post(
        "/v1/imports",
        params={"dry_run": str(dry_run).lower()},
        content=body.encode(),
        headers=tenant.admin | {"Content-Type": media},
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def ndjson(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def member(db: Database, tenant: Tenant, external_id: str) -> Member | None:
    with db.read() as session:
        return session.scalar(
            select(Member).where(Member.business_id == uuid.UUID(tenant.business_id), Member.external_id == external_id)
        )


def members_count(db: Database, tenant: Tenant) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Member).where(Member.business_id == uuid.UUID(tenant.business_id))
            )
            or 0
        )


def lots(db: Database, member_id: uuid.UUID) -> list[tuple[int, Any, Any, Any]]:
    """(remaining, earned_at, available_at, expires_at) of the lots still holding points, by expiry."""
    with db.read() as session:
        rows = session.execute(
            select(PointsLot.remaining, PointsLot.earned_at, PointsLot.available_at, PointsLot.expires_at)
            .where(PointsLot.member_id == member_id, PointsLot.remaining > 0)
            .order_by(PointsLot.earned_at, PointsLot.remaining)
        ).all()
    return [tuple(row) for row in rows]


def wallet(db: Database, member_id: uuid.UUID) -> list[tuple[str, Any, Any]]:
    """(benefit name, granted_at, valid_until) of the active wallet entries."""
    from loyalty.db.models import Benefit

    with db.read() as session:
        rows = session.execute(
            select(Benefit.name, Asset.granted_at, Asset.valid_until)
            .join(Benefit, Benefit.id == Asset.benefit_id)
            .where(Asset.member_id == member_id, Asset.status == "active")
            .order_by(Asset.granted_at, Benefit.name)
        ).all()
    return [tuple(row) for row in rows]


def ledger_count(db: Database, tenant: Tenant) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(LedgerTransaction)
                .where(LedgerTransaction.business_id == uuid.UUID(tenant.business_id))
            )
            or 0
        )


def problems(db: Database, tenant: Tenant) -> list[str]:
    """`loyalty verify`'s findings about this tenant's members (other tests share the database)."""
    with db.read() as session:
        ids = {
            str(member_id)
            for member_id in session.scalars(
                select(Member.id).where(Member.business_id == uuid.UUID(tenant.business_id))
            )
        }
        found = ledger.verify(session) + credit.verify(session)
    return [problem for problem in found if any(member_id in problem for member_id in ids)]
