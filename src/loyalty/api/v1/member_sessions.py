"""A member's app sessions, for an admin: list them, end them all."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from loyalty.api.deps import admin, database
from loyalty.db.engine import Database
from loyalty.members import sessions
from loyalty.members.access import Principal

router = APIRouter(prefix="/v1", tags=["members"])


class SessionOut(BaseModel):
    id: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class EndedOut(BaseModel):
    ended: int


@router.get("/members/{member_id}/sessions", response_model=list[SessionOut])
def member_sessions(
    member_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> list[SessionOut]:
    """The member's live app sessions (member keys), newest first; never the keys themselves."""
    return [SessionOut(**vars(found)) for found in sessions.live(db, who, member_id)]


@router.delete("/members/{member_id}/sessions", response_model=EndedOut)
def end_member_sessions(
    member_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> EndedOut:
    """End every app session of the member: each of their member keys stops working at once."""
    return EndedOut(ended=sessions.end_all(db, who, member_id))
