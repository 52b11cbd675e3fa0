"""Stored credit: top-ups at the till (with the business's bonus) and a member's credit history."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import database, require
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.wallet import services

router = APIRouter(prefix="/v1", tags=["stored credit"])


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Any = Field(
        description='The money the till took: "20.00" (a string or a number, at most the currency\'s decimals).',
        json_schema_extra={"type": ["string", "number"]},
    )
    reason: str = Field(default="top-up", max_length=200)


class TopUpOut(BaseModel):
    id: str
    member_id: str
    amount: str
    bonus: str
    credited: str = Field(description="amount + bonus")
    reason: str
    credit_balance: str
    created_at: str


class CreditLineOut(BaseModel):
    id: str
    kind: str = Field(description="credit_load, credit_bonus, credit_pay or credit_refund")
    amount: str = Field(description="Signed: what this changed on the credit balance.")
    reason: str
    at: str


class CreditOut(BaseModel):
    member_id: str
    credit_balance: str
    items: list[CreditLineOut]


def _answer(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


@router.post(
    "/members/{member_id}/credit",
    status_code=201,
    response_model=TopUpOut,
    responses={200: {"model": TopUpOut, "description": "A replay of the same Idempotency-Key."}},
)
def top_up(
    member_id: uuid.UUID,
    body: TopUpIn,
    who: Principal = Depends(require("admin", "pos")),
    db: Database = Depends(database),
    idempotency_key: str | None = Header(default=None, max_length=128, description="Required: a retry loads once."),
) -> Response:
    """Load credit the till took; the business's `credit_top_up_bonus` adds its bonus."""
    command = services.TopUp(member_id, body.amount, body.reason, idempotency_key)
    result, created = services.top_up(db, who, command)
    return _answer(result, 201 if created else 200)


@router.get("/members/{member_id}/credit", response_model=CreditOut)
def credit_history(
    member_id: uuid.UUID,
    who: Principal = Depends(require("admin", "pos", "member")),
    db: Database = Depends(database),
    limit: int = Query(default=50, ge=1, le=200),
) -> CreditOut:
    """The member's credit balance and its movements, newest first."""
    found = services.statement(db, who, member_id, limit)
    return CreditOut(
        member_id=found.member_id,
        credit_balance=found.credit_balance,
        items=[CreditLineOut(**item) for item in found.items],
    )
