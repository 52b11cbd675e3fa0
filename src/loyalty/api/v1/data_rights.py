"""Members' data rights: a copy of everything held (`/data`, as JSON or CSV files in a zip), the consent log, and
erasure, by an admin or by the member in the app."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import database, require
from loyalty.api.idempotent import answered, once
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.privacy import consent_log, erasure, report

router = APIRouter(prefix="/v1", tags=["data rights"])
admin = require("admin")
member = require("member")
ZIP: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "application/zip": {}}}}


class ConsentOut(BaseModel):
    purpose: str = Field(description="terms, sms or email")
    given: bool
    at: str
    source: str = Field(description="app, staff, import or como")


class ConsentsOut(BaseModel):
    member_id: str
    items: list[ConsentOut]


class ErasedOut(BaseModel):
    member_id: str
    status: str
    erased_at: str
    points_forfeited: str


class Nothing(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: bool = Field(description="Must be true: erasing cannot be undone.")


def _erased(done: erasure.Erased) -> ErasedOut:
    return ErasedOut(
        member_id=str(done.member_id),
        status=done.status,
        erased_at=done.erased_at.isoformat(),
        points_forfeited=done.points_forfeited,
    )


def _shaped(data: dict[str, Any], format: str, member_id: str) -> Response:
    if format == "zip":
        return Response(
            report.as_zip(data),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="member-{member_id}-data.zip"'},
        )
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.get("/members/{member_id}/data", responses=ZIP)
def member_data(
    member_id: uuid.UUID,
    format: Literal["json", "zip"] = Query(default="json", description="json, or zip: a CSV file per section"),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> Response:
    """Everything held about the member: `member`, `consents`, `ledger`, `purchases`, `wallet`, `credit`,
    `punch_cards`, `sessions`."""
    return _shaped(report.of_member(db, who, member_id), format, str(member_id))


@router.get("/me/data", responses=ZIP)
def my_data(
    format: Literal["json", "zip"] = Query(default="json", description="json, or zip: a CSV file per section"),
    who: Principal = Depends(member),
    db: Database = Depends(database),
) -> Response:
    """Everything held about the logged-in member, as for an admin's `/v1/members/{id}/data`."""
    return _shaped(report.mine(db, who), format, str(who.member_id))


@router.get("/members/{member_id}/consents", response_model=ConsentsOut)
def member_consents(
    member_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> ConsentsOut:
    """Each change of the member's consents, oldest first, with where it came from."""
    items = consent_log.of_member(db, who, member_id)
    return ConsentsOut(member_id=str(member_id), items=[ConsentOut(**item) for item in items])


@router.post("/members/{member_id}/erase", response_model=ErasedOut)
def erase_member(
    member_id: uuid.UUID,
    request: Request,
    who: Principal = Depends(admin),
    db: Database = Depends(database),
    idempotency_key: str | None = Header(
        default=None,
        min_length=1,
        max_length=128,
        description="Required: a retried erasure happens once and answers the same.",
    ),
) -> Response:
    """Erase the member's personal data; points are forfeited, credit must be zero (409 `credit_outstanding`)."""
    if idempotency_key is None:
        erasure.erase(db, who, member_id)  # a 404 for a member that is not theirs, else a 422 naming the key
    keyed = once(request, who, key=idempotency_key or "", body=Nothing(), status=200, shape=_erased)
    return answered(erasure.erase(db, who, member_id, keyed))


@router.post("/me/erase", response_model=ErasedOut)
def erase_me(body: ConfirmIn, who: Principal = Depends(member), db: Database = Depends(database)) -> ErasedOut:
    """The member erases their own data, with `{"confirm": true}`; their session ends with it."""
    return _erased(erasure.erase_mine(db, who, confirm=body.confirm))
