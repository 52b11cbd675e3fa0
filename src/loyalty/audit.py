"""The audit trail: one record per mutation, written in the same transaction as the mutation."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.ids import new_id
from loyalty.db.models import AuditRecord, now
from loyalty.db.rows import insert_rows


def record(
    session: Session,
    business_id: uuid.UUID,
    *,
    actor: str,
    action: str,
    obj: Any,
    details: dict[str, Any] | None = None,
) -> None:
    """Note that `actor` did `action` to `obj` (any model with an `id`): one INSERT, sent now."""
    entry = {
        "id": new_id(),
        "business_id": business_id,
        "at": now(),
        "actor": actor,
        "action": action,
        "object_type": type(obj).__tablename__ if hasattr(type(obj), "__tablename__") else type(obj).__name__,
        "object_id": str(obj.id),
        "details": details or {},
    }
    insert_rows(session, AuditRecord, [entry], flush=False)  # it refers to the business only, there already
