"""Promo codes: shared codes, batches of one-time codes with their CSV, and the till's "Use a Code" field."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from loyalty import paging
from loyalty.api.deps import admin, admin_or_pos, database, settings_of
from loyalty.api.idempotent import once, optional_key
from loyalty.api.v1.member_shapes import AssetOut, MemberOut
from loyalty.campaigns import code_admin, codes, redeeming
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members.access import Principal
from loyalty.settings import Settings

router = APIRouter(prefix="/v1", tags=["codes"])


class CodesIn(BaseModel):
    """One shared code (`code`) or a batch of one-time codes (`count`)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, max_length=64, description="A shared code such as SUMMER10.")
    count: int | None = Field(default=None, description=f"How many one-time codes to make (1 to {codes.MAX_BATCH}).")
    length: int | None = Field(
        default=None, description=f"One-time codes' length ({codes.MIN_LENGTH} to {codes.MAX_LENGTH}, default 8)."
    )
    benefit_id: uuid.UUID | None = None
    effect: Literal["benefit", "trigger"] | None = Field(
        default=None, description='"trigger" fires the code_used rules instead of giving a benefit.'
    )
    max_uses: int | None = Field(default=None, ge=1, le=1_000_000_000)
    max_uses_per_member: int | None = Field(default=None, ge=1, le=1_000_000_000)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class CodeOut(BaseModel):
    id: str
    code: str
    effect: str
    benefit_id: str | None
    batch_id: str | None
    max_uses: int | None
    max_uses_per_member: int | None
    uses: int
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime


class BatchOut(BaseModel):
    batch_id: str
    count: int
    length: int
    effect: str
    benefit_id: str | None
    codes: list[str]
    csv: str = Field(description="Where to download the batch as CSV.")


class CodePage(BaseModel):
    items: list[CodeOut]
    next_cursor: str | None


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    member_id: uuid.UUID


class RedeemOut(BaseModel):
    code: str
    effect: str
    message: str = Field(description="What happened, in a sentence for the cashier.")
    points_earned: str
    granted: list[AssetOut]
    member: MemberOut


@router.post("/codes", response_model=CodeOut | BatchOut, status_code=201)
def create(body: CodesIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> CodeOut | BatchOut:
    if (body.code is None) == (body.count is None):
        raise InvalidInput("code", 'send either "code" for one shared code or "count" for one-time codes')
    if body.code is not None and body.length is not None:
        raise InvalidInput("length", 'goes with "count", not with a shared code')
    if body.count is not None:
        for name in ("max_uses", "max_uses_per_member"):
            if getattr(body, name) is not None:
                raise InvalidInput(name, "one-time codes are used once each")
    new = code_admin.NewCodes(
        effect=body.effect or "benefit",
        benefit_id=body.benefit_id,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        code=body.code,
        max_uses=body.max_uses,
        max_uses_per_member=body.max_uses_per_member,
        count=body.count,
        length=body.length or 8,
    )
    made = code_admin.create(db, who, new)
    return CodeOut(**made) if body.code is not None else BatchOut(**made)


@router.get("/codes", response_model=CodePage)
def listing(
    batch_id: uuid.UUID | None = Query(default=None, description="Only the codes of this batch."),
    include_batches: bool = Query(default=False, description="Also list one-time codes."),
    limit: int = Query(default=paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> CodePage:
    page = code_admin.listing(db, who, batch_id=batch_id, include_batches=include_batches, cursor=cursor, limit=limit)
    return CodePage(items=[CodeOut(**item) for item in page.items], next_cursor=page.next_cursor)


@router.get("/codes/batches/{batch_id}.csv", response_class=PlainTextResponse)
def batch_csv(
    batch_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> PlainTextResponse:
    return PlainTextResponse(
        code_admin.batch_csv(db, who, batch_id),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="codes-{batch_id}.csv"'},
    )


class CodeRiskOut(BaseModel):
    live_codes: int = Field(description="Unused one-time codes that work now.")
    attempts_per_day: int = Field(description="Failed codes a day the business-wide limit lets through.")
    attempts_per_day_one_terminal: int
    chance_per_attempt: str
    daily_chance: str = Field(description="Chance of at least one hit in a day of guessing at the business limit.")
    daily_chance_one_terminal: str
    warning: str | None = Field(description="Set when daily_chance passes 1%.")


@router.get("/codes/guessing-risk", response_model=CodeRiskOut)
def guessing_risk(
    who: Principal = Depends(admin), db: Database = Depends(database), settings: Settings = Depends(settings_of)
) -> CodeRiskOut:
    """How likely guessing at the failed-code limits finds one of the business's live one-time codes."""
    found = code_admin.risk(db, who, settings)
    return CodeRiskOut(
        live_codes=found.live_codes,
        attempts_per_day=found.attempts_per_day,
        attempts_per_day_one_terminal=found.attempts_per_day_one_terminal,
        chance_per_attempt=str(found.chance_per_attempt),
        daily_chance=str(found.daily_chance),
        daily_chance_one_terminal=str(found.daily_chance_one_terminal),
        warning=found.warning,
    )


@router.get("/codes/{code_id}", response_model=CodeOut)
def show(code_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)) -> CodeOut:
    return CodeOut(**code_admin.show(db, who, code_id))


@router.post("/codes/redeem", response_model=RedeemOut, responses={429: {"description": "too_many_attempts"}})
def redeem(
    body: RedeemIn,
    request: Request,
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
    settings: Settings = Depends(settings_of),
    key: str | None = Depends(optional_key),
) -> RedeemOut | Response:
    """Use a code outside a sale. Failed codes are limited per terminal and business, as in quotes and purchases;
    to a pos key, an unknown and a used-up code answer alike."""

    command = redeeming.RedeemCode(body.code, body.member_id)
    if key is None:
        return redeem_out(redeeming.redeem(db, who, command, settings))
    answer = redeeming.redeem(
        db, who, command, settings, once(request, who, key=key, body=body, status=200, shape=redeem_out)
    )
    return Response(answer.text, status_code=answer.status, media_type="application/json")


def redeem_out(done: redeeming.CodeRedeemed) -> RedeemOut:
    return RedeemOut.model_validate(done, from_attributes=True)
