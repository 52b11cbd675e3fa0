"""The consent log: each time a member gives or withdraws consent to a purpose, when and through which door.

The member row keeps only the current answer per purpose; this log is what a data report and a regulator ask for
(nFADP, GDPR: a controller must be able to show that and when consent was given)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.ids import new_id
from loyalty.db.models import ConsentChange, Member
from loyalty.db.rows import insert_rows

PURPOSES = ("terms", "sms", "email")
SOURCES = ("app", "staff", "import", "como")


def current(member: Member) -> dict[str, bool]:
    return {purpose: bool(getattr(member, f"consent_{purpose}")) for purpose in PURPOSES}


def log_changes(
    session: Session,
    *,
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    before: Mapping[str, bool] | None,
    after: Mapping[str, bool],
    source: str,
    at: datetime,
) -> int:
    """One log row per purpose whose answer changed; a new member (`before` None) starts with none given, so what
    they consented to is logged."""
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    rows = [
        {
            "id": new_id(),
            "business_id": business_id,
            "member_id": member_id,
            "purpose": purpose,
            "given": bool(given),
            "at": at,
            "source": source,
        }
        for purpose, given in after.items()
        if purpose in PURPOSES and bool((before or {}).get(purpose)) != bool(given)
    ]
    if rows:
        insert_rows(session, ConsentChange, rows)  # flushed first: the member may be new
    return len(rows)


def history(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every change of the member's consents, oldest first."""
    rows = session.scalars(
        select(ConsentChange)
        .where(ConsentChange.business_id == business_id, ConsentChange.member_id == member_id)
        .order_by(ConsentChange.at, ConsentChange.id)
    )
    ordered = sorted(rows, key=lambda row: (row.at, PURPOSES.index(row.purpose) if row.purpose in PURPOSES else 9))
    return [
        {"purpose": row.purpose, "given": row.given, "at": row.at.isoformat(), "source": row.source} for row in ordered
    ]
