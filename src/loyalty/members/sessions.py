"""A member's app sessions as an admin sees them (`GET`/`DELETE /v1/members/{id}/sessions`): which member keys
are live, since when and until when, and ending them all (a lost phone, an account someone else logged into).
A key itself is never shown: only its prefix, enough to tell two sessions apart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import ApiKey, now
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal


@dataclass(frozen=True)
class AppSession:
    id: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


def live(db: Database, who: Principal, member_id: uuid.UUID) -> list[AppSession]:
    """The member's live app sessions, newest first (admin)."""
    access.require_kind(who, "admin")
    with db.read() as session:
        members.get(session, business_id=who.business_id, member_id=member_id)  # another business's: 404
        at = now()
        keys = session.scalars(
            select(ApiKey)
            .where(
                ApiKey.business_id == who.business_id,
                ApiKey.kind == "member",
                ApiKey.member_id == member_id,
                ApiKey.revoked_at.is_(None),
            )
            .order_by(ApiKey.created_at.desc())
        )
        return [
            AppSession(str(key.id), key.prefix, key.created_at, key.expires_at)
            for key in keys
            if key.expires_at is None or key.expires_at > at
        ]


def end_all(db: Database, who: Principal, member_id: uuid.UUID) -> int:
    """End every app session of the member (admin); how many were live. Audited."""
    access.require_kind(who, "admin")

    def work(session: Session) -> int:
        member = members.get(session, business_id=who.business_id, member_id=member_id)
        ended = access.end_member_sessions(session, business_id=who.business_id, member_id=member.id, at=now())
        record(session, who.business_id, actor=who.actor, action="member.sessions_end", obj=member,
               details={"ended": ended})  # fmt: skip
        return ended

    return db.write(work)
