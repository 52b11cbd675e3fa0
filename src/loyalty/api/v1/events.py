"""Custom events (admin or pos keys): a named thing that happened to a member, firing the `event` rules that
name it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import admin_or_pos, database
from loyalty.api.idempotent import answered, once, optional_key
from loyalty.api.v1.outcomes import EarnedOut, EffectOut, earned, effect, points
from loyalty.campaigns import events
from loyalty.db.engine import Database
from loyalty.idempotency import Once
from loyalty.members.access import Principal
from loyalty.money import hundredths_to_points

router = APIRouter(prefix="/v1", tags=["campaign center"])


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_id: uuid.UUID
    name: str = Field(min_length=1, max_length=events.NAME_MAX, description="Matched by `conditions.event`.")


class EventOut(BaseModel):
    id: str
    member_id: str
    name: str
    at: datetime
    points_earned: str
    points_balance: str
    earned: list[EarnedOut]
    effects: list[EffectOut]
    granted: list[str] = Field(description="Wallet entries (asset ids) the event's rules granted.")


def event_out(done: events.Happened) -> dict[str, Any]:
    business = done.business
    return {
        "id": str(done.event.id),
        "member_id": str(done.member.id),
        "name": done.event.name,
        "at": done.event.at,
        "points_earned": points(business, hundredths_to_points(done.applied.points)),
        "points_balance": points(business, hundredths_to_points(done.member.points_balance)),
        "earned": [earned(business, award) for award in done.applied.awards],
        "effects": [effect(found, business) for outcome in done.applied.outcomes for found in outcome.effects],
        "granted": [str(asset_id) for asset_id in done.applied.granted_asset_ids],
    }


@router.post("/events", response_model=EventOut, status_code=201)
def record_event(
    body: EventIn,
    request: Request,
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
    key: str | None = Depends(optional_key),
) -> dict[str, Any] | Response:
    """A custom event happened to a member: it is recorded and fires the `event` rules that name it, together."""
    new = events.NewEvent(member_id=body.member_id, name=body.name)
    if key is not None:
        keyed: Once[events.Happened] = once(
            request, who, key=key, body=body, status=201, shape=lambda done: EventOut.model_validate(event_out(done))
        )
        return answered(events.record_event_once(db, who, new, keyed))
    return event_out(events.record_event(db, who, new))
