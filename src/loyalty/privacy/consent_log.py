"""The consent log of one member, for an admin (`GET /v1/members/{id}/consents`)."""

from __future__ import annotations

import uuid
from typing import Any

from loyalty.db.engine import Database
from loyalty.members import access, consents
from loyalty.members import accounts as members
from loyalty.members.access import Principal


def of_member(db: Database, who: Principal, member_id: uuid.UUID) -> list[dict[str, Any]]:
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = members.get(session, business_id=business.id, member_id=member_id)
        return consents.history(session, business_id=business.id, member_id=found.id)
