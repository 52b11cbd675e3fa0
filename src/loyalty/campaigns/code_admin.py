"""Promo codes as an admin sets them up (`/v1/codes`): one shared code, or a batch of one-time codes and its CSV;
the list, one code, and the risk that guessing at the limits finds a live one-time code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.campaigns import code_guessing, codes
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.members import access, reading
from loyalty.members.access import Principal
from loyalty.settings import Settings


@dataclass(frozen=True)
class NewCodes:
    """One shared `code`, or `count` one-time codes of `length` characters."""

    effect: str
    benefit_id: uuid.UUID | None
    valid_from: datetime | None
    valid_until: datetime | None
    code: str | None = None
    max_uses: int | None = None
    max_uses_per_member: int | None = None
    count: int | None = None
    length: int = 8


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def outline(promo: Any) -> dict[str, Any]:
    return {
        "id": str(promo.id),
        "code": promo.code,
        "effect": promo.effect,
        "benefit_id": str(promo.benefit_id) if promo.benefit_id else None,
        "batch_id": str(promo.batch_id) if promo.batch_id else None,
        "max_uses": promo.max_uses,
        "max_uses_per_member": promo.max_uses_per_member,
        "uses": promo.uses,
        "valid_from": promo.valid_from,
        "valid_until": promo.valid_until,
        "created_at": promo.created_at,
    }


def create(db: Database, who: Principal, new: NewCodes) -> dict[str, Any]:
    """The shared code's outline, or the batch's (with its codes, shown this once)."""
    reading.kinds(who, "admin")

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        at = now()
        if new.code is not None:
            promo = codes.create(
                session,
                business=business,
                code=new.code,
                benefit_id=new.benefit_id,
                effect=new.effect,
                max_uses=new.max_uses,
                max_uses_per_member=new.max_uses_per_member,
                valid_from=new.valid_from,
                valid_until=new.valid_until,
                at=at,
            )
            record(session, business.id, actor=who.actor, action="code.create", obj=promo)
            return outline(promo)
        assert new.count is not None
        batch, made = codes.create_batch(
            session,
            business=business,
            count=new.count,
            length=new.length,
            benefit_id=new.benefit_id,
            effect=new.effect,
            valid_from=new.valid_from,
            valid_until=new.valid_until,
            at=at,
        )
        record(session, business.id, actor=who.actor, action="code.batch", obj=batch, details={"count": new.count})
        return {
            "batch_id": str(batch.id),
            "count": batch.count,
            "length": batch.length,
            "effect": new.effect,
            "benefit_id": str(batch.benefit_id) if batch.benefit_id else None,
            "codes": made,
            "csv": f"/v1/codes/batches/{batch.id}.csv",
        }

    return db.write(work)


def listing(
    db: Database, who: Principal, *, batch_id: uuid.UUID | None, include_batches: bool, cursor: str | None, limit: int
) -> Page:
    reading.kinds(who, "admin")
    with db.read() as session:
        page = codes.listing(
            session,
            business_id=who.business_id,
            batch_id=batch_id,
            include_batches=include_batches,
            cursor=cursor,
            limit=limit,
        )
        return Page([outline(promo) for promo in page.codes], page.next_cursor)


def batch_csv(db: Database, who: Principal, batch_id: uuid.UUID) -> str:
    reading.kinds(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return codes.batch_csv(session, business=business, batch_id=batch_id)


def risk(db: Database, who: Principal, settings: Settings) -> code_guessing.Risk:
    reading.kinds(who, "admin")
    with db.read() as session:
        return code_guessing.risk(session, business_id=who.business_id, settings=settings, at=now())


def show(db: Database, who: Principal, code_id: uuid.UUID) -> dict[str, Any]:
    reading.kinds(who, "admin")
    with db.read() as session:
        return outline(codes.get(session, business_id=who.business_id, code_id=code_id))
