"""Identification at the till: the member's short code and QR, `POST /v1/identify`, and the guessing risk."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import admin, database, pos, require, settings_of
from loyalty.api.v1.member_shapes import MemberOut, member_answer
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import finding, showing
from loyalty.members.access import Principal
from loyalty.settings import Settings

router = APIRouter(prefix="/v1", tags=["identification"])


class CodeOut(BaseModel):
    code: str = Field(description="The short code the member reads out at the till.")
    qr: str = Field(description="The payload of the QR code shown beside it.")
    expires_at: datetime
    server_time: datetime | None = Field(
        default=None, description="The server's clock when answering: a countdown runs on it, not the phone's."
    )


class IdentifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=40)
    code: str | None = Field(default=None, max_length=16)
    qr: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    member_number: str | None = Field(default=None, max_length=64)


class RiskOut(BaseModel):
    live_codes: int
    code_length: int
    code_space: int
    attempts_per_day: int = Field(description="Failed guesses a day the business-wide limit lets through.")
    attempts_per_day_one_terminal: int
    chance_per_attempt: str = Field(description="live_codes / code_space, as a decimal string")
    daily_chance: str = Field(description="Chance of at least one hit in a day of guessing at the business limit.")
    daily_chance_one_terminal: str
    warning: str | None = Field(description="Set when daily_chance passes 1%.")


@router.post("/members/{member_id}/identification-code", response_model=CodeOut, status_code=201)
def issue_code(
    member_id: uuid.UUID,
    who: Principal = Depends(require("member", "admin")),
    db: Database = Depends(database),
) -> CodeOut:
    return CodeOut.model_validate(showing.new_code(db, who, member_id), from_attributes=True)


@router.get("/me/identification-code", response_model=CodeOut)
def my_code(who: Principal = Depends(require("member")), db: Database = Depends(database)) -> CodeOut:
    """The member's live code, the same on every device of the member; a new one only when none is live.
    `POST /v1/members/{id}/identification-code` replaces it ("New code")."""
    return CodeOut.model_validate(showing.live_code(db, who), from_attributes=True)


@router.post("/identify", response_model=MemberOut)
def identify(
    body: IdentifyIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    settings: Settings = Depends(settings_of),
) -> Response:
    given = [(name, value) for name, value in body.model_dump().items() if value is not None]
    if not given:
        raise InvalidInput("body", "send exactly one of phone, code, qr, email, member_number")
    if len(given) > 1:
        raise InvalidInput(given[1][0], f"send only one way to identify, not both {given[0][0]} and {given[1][0]}")
    way, value = given[0]
    if not value.strip():
        raise InvalidInput(way, "must not be empty")

    return member_answer(finding.identify(db, who, finding.Ask(way, value), settings))


@router.get("/identification/risk", response_model=RiskOut)
def risk(
    who: Principal = Depends(admin), db: Database = Depends(database), settings: Settings = Depends(settings_of)
) -> RiskOut:
    found = showing.risk(db, who, settings)
    return RiskOut(
        live_codes=found.live_codes,
        code_length=found.code_length,
        code_space=found.code_space,
        attempts_per_day=found.attempts_per_day,
        attempts_per_day_one_terminal=found.attempts_per_day_one_terminal,
        chance_per_attempt=_text(found.chance_per_attempt),
        daily_chance=_text(found.daily_chance),
        daily_chance_one_terminal=_text(found.daily_chance_one_terminal),
        warning=found.warning,
    )


def _text(chance: Decimal) -> str:
    return format(chance.quantize(Decimal("1e-12")).normalize(), "f")


class PausedTillOut(BaseModel):
    terminal_id: str
    name: str
    failures: int = Field(description="Failed searches in the current window.")
    limit: int
    paused: bool
    retry_after: int = Field(description="Seconds until the till may search again; 0 when it may now.")


class LockoutsOut(BaseModel):
    window_seconds: int
    business_failures: int
    business_limit: int
    business_paused: bool
    terminals: list[PausedTillOut]


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terminal_id: uuid.UUID | None = Field(default=None, description="The till to lift; absent: every till.")


class LiftOut(BaseModel):
    failures_forgotten: int


@router.get("/identification/lockouts", response_model=LockoutsOut)
def lockouts_now(
    who: Principal = Depends(admin), db: Database = Depends(database), settings: Settings = Depends(settings_of)
) -> LockoutsOut:
    """Tills with failed searches in the window, paused ones first, and the business-wide count."""
    found = showing.paused_tills(db, who, settings)
    return LockoutsOut(
        window_seconds=found.window_seconds,
        business_failures=found.business_failures,
        business_limit=found.business_limit,
        business_paused=found.business_paused,
        terminals=[
            PausedTillOut(
                terminal_id=str(till.terminal_id),
                name=till.name,
                failures=till.failures,
                limit=till.limit,
                paused=till.paused,
                retry_after=till.retry_after,
            )
            for till in found.terminals
        ],
    )


@router.post("/identification/lockouts/lift", response_model=LiftOut)
def lift_lockout(body: LiftIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> LiftOut:
    """Let a paused till search again by forgetting its failed searches (all tills' without `terminal_id`)."""
    return LiftOut(failures_forgotten=showing.lift(db, who, body.terminal_id))
