"""Punch cards: templates in the Campaign Center (admin) and a member's cards (admin, pos, the member)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from loyalty.api.deps import admin, admin_or_pos, database, require
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.wallet import templates

router = APIRouter(prefix="/v1", tags=["punch cards"])

EXAMPLE = {
    "name": "10th coffee free",
    "names": {"fr": "10e café offert", "de": "10. Kaffee gratis"},
    "punches_required": 10,
    "items": {"codes": ["COFFEE"]},
    "mode": "repeat",
    "every": 1,
    "reward_benefit_id": "…",
    "valid_days": 365,
    "status": "active",
}


NAMES_DOC = "The name per language; {} when none."


class PunchCardOut(BaseModel):
    id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description=NAMES_DOC)
    punches_required: int
    items: dict[str, list[str]]
    mode: str = Field(description="repeat: one punch per `every` units; simple: `punches` per purchase")
    every: str
    punches: int
    reward_benefit_id: str
    valid_days: int | None
    status: str
    created_at: datetime
    updated_at: datetime


class MemberPunchCardOut(BaseModel):
    punch_card_id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description=NAMES_DOC)
    punches: int = Field(description="On the current card.")
    punches_required: int
    completed: int = Field(description="How many cards this member has filled.")
    status: str


def _out(card: Any) -> PunchCardOut:
    return PunchCardOut(**card)


@router.post("/punch-cards", response_model=PunchCardOut, status_code=201)
def create(
    body: dict[str, Any] = Body(examples=[EXAMPLE]), who: Principal = Depends(admin), db: Database = Depends(database)
) -> PunchCardOut:
    """A punch card template; an invalid one is a 422 naming the field."""
    return _out(templates.create_punch_card(db, who, body))


@router.get("/punch-cards", response_model=list[PunchCardOut])
def listing(who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> list[PunchCardOut]:
    return [_out(card) for card in templates.punch_card_list(db, who)]


@router.get("/punch-cards/{card_id}", response_model=PunchCardOut)
def show(card_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> PunchCardOut:
    return _out(templates.punch_card(db, who, card_id))


@router.put("/punch-cards/{card_id}", response_model=PunchCardOut)
def change(
    card_id: uuid.UUID,
    body: dict[str, Any] = Body(examples=[EXAMPLE]),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> PunchCardOut:
    """A new definition (members keep their punches); `"status": "stopped"` stops punching."""
    return _out(templates.replace_punch_card(db, who, card_id, body))


@router.get("/members/{member_id}/punch-cards", response_model=list[MemberPunchCardOut])
def member_cards(
    member_id: uuid.UUID,
    who: Principal = Depends(require("admin", "pos", "member")),
    db: Database = Depends(database),
) -> list[MemberPunchCardOut]:
    """One entry per punch card the member has punched."""
    return [MemberPunchCardOut(**card) for card in templates.members_punch_cards(db, who, member_id)]
