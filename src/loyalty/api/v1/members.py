"""Members: registration, the Member object, search, changes, points corrections, history and the wallet."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty import paging
from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.api.idempotent import once, optional_key
from loyalty.api.numbers import Plain
from loyalty.api.v1.member_shapes import AssetOut, MemberOut, asset_out, member_out
from loyalty.db.engine import Database
from loyalty.members import accounts as members
from loyalty.members import changing, joining, reading
from loyalty.members.access import Principal
from loyalty.wallet import staff

router = APIRouter(prefix="/v1", tags=["members"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentIn(Strict):
    terms: bool = False
    sms: bool = False
    email: bool = False


class ConsentPatch(Strict):
    terms: bool | None = None
    sms: bool | None = None
    email: bool | None = None


class MemberIn(Strict):
    phone: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="Any common spelling; the business country is the default region. A phone, an e-mail or both.",
    )
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str | None = Field(default=None, max_length=254)
    birthday: date | None = None
    member_number: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(
        default_factory=list, max_length=members.MAX_TAGS, description="Admin keys only: tags can unlock rules."
    )
    consent: ConsentIn | None = None


class MemberPatch(Strict):
    phone: str | None = Field(default=None, min_length=1, max_length=40)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254, description="null removes it")
    birthday: date | None = None
    member_number: str | None = Field(default=None, max_length=64, description="null removes it")
    tags: list[str] | None = Field(default=None, max_length=members.MAX_TAGS)
    status: str | None = Field(default=None, description="active or blocked")
    consent: ConsentPatch | None = None
    language: str | None = Field(default=None, description="en, fr, de or it; null: the business's")
    attributes: dict[str, Any] | None = Field(
        default=None, description="Attributes to set (gender, anniversary, generic…); an empty value removes one."
    )


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class AdjustmentIn(Strict):
    points: Plain = Field(description='Signed points as a string: "12.50" adds, "-7" takes away.')
    reason: str = Field(min_length=1, max_length=500)


class AdjustmentOut(BaseModel):
    id: str
    member_id: str
    points: str
    reason: str
    points_balance: str
    at: datetime


class CauseOut(BaseModel):
    purchase_id: str | None
    payment_id: str | None
    rule_id: str | None
    rule_revision: int | None


class HistoryItem(BaseModel):
    id: str
    kind: str = Field(description="earn, unearn, pay, refund, adjust or expire")
    points: str = Field(description="Signed: what this changed on the member's balance.")
    cause: CauseOut
    reason: str
    at: datetime


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None


class GrantIn(Strict):
    benefit_id: uuid.UUID


# --- routes ---------------------------------------------------------------------------------------


@router.post("/members", response_model=MemberOut, status_code=201)
def register(
    body: MemberIn,
    request: Request,
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
    key: str | None = Depends(optional_key),
) -> MemberOut | Response:
    command = joining.Registration(
        phone=body.phone,
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        birthday=body.birthday,
        member_number=body.member_number,
        tags=body.tags,
        consent=body.consent.model_dump() if body.consent else None,
    )
    if key is None:
        return member_out(joining.register(db, who, command))
    answer = joining.register(db, who, command, once(request, who, key=key, body=body, status=201, shape=member_out))
    return Response(answer.text, status_code=answer.status, media_type="application/json")


@router.get("/members", response_model=MemberPage)
def search(
    q: str | None = Query(
        default=None, max_length=200, description="A phone (any spelling), name, e-mail or member number."
    ),
    limit: int = Query(default=paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> MemberPage:
    page = reading.listing(db, who, q, cursor, limit)
    return MemberPage(items=[member_out(card) for card in page.items], next_cursor=page.next_cursor)


@router.get("/members/{member_id}", response_model=MemberOut)
def show(member_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> MemberOut:
    return member_out(reading.show(db, who, member_id))


@router.patch(
    "/members/{member_id}",
    response_model=MemberOut,
    responses={403: {"description": "A pos key changing a contact the member has, tags, status or member number."}},
)
def change(
    member_id: uuid.UUID, patch: MemberPatch, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)
) -> MemberOut:
    """An admin changes anything; a till may correct names, birthday and consent and give a member a phone or
    e-mail they do not have yet (unproven until a login code sent there comes back)."""
    return member_out(changing.change(db, who, changing.Change(member_id, patch.model_dump(exclude_unset=True))))


@router.post("/members/{member_id}/adjustments", response_model=AdjustmentOut, status_code=201)
def adjust(
    member_id: uuid.UUID, body: AdjustmentIn, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AdjustmentOut:
    done = staff.correct(db, who, member_id, body.points, body.reason)
    return AdjustmentOut.model_validate(done, from_attributes=True)


@router.get("/members/{member_id}/history", response_model=HistoryPage)
def history(
    member_id: uuid.UUID,
    limit: int = Query(default=paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
) -> HistoryPage:
    return HistoryPage.model_validate(reading.history(db, who, member_id, cursor, limit), from_attributes=True)


@router.get("/members/{member_id}/benefits", response_model=list[AssetOut])
def wallet(
    member_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)
) -> list[AssetOut]:
    return [asset_out(card) for card in staff.wallet(db, who, member_id)]


@router.post("/members/{member_id}/benefits", response_model=AssetOut, status_code=201)
def grant(
    member_id: uuid.UUID, body: GrantIn, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AssetOut:
    return asset_out(staff.grant(db, who, member_id, body.benefit_id))


@router.post("/members/{member_id}/benefits/{asset_id}/deactivate", response_model=AssetOut)
def deactivate(
    member_id: uuid.UUID, asset_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AssetOut:
    return asset_out(staff.deactivate(db, who, member_id, asset_id))
