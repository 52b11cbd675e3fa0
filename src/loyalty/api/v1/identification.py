"""Identification at the till: the member's short code and QR, `POST /v1/identify`, and the guessing risk."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from loyalty.api.deps import admin, database, pos, require
from loyalty.api.v1.members import MemberOut, member_view
from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Member, now
from loyalty.errors import InvalidInput
from loyalty.members import access, identification, lockouts
from loyalty.members import accounts as members
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


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/members/{member_id}/identification-code", response_model=CodeOut, status_code=201)
def issue_code(
    member_id: uuid.UUID,
    who: Principal = Depends(require("member", "admin")),
    db: Database = Depends(database),
) -> CodeOut:
    if who.kind == "member" and who.member_id != member_id:
        raise members.MemberNotFound()  # another member's id: the same answer as a missing one

    def work(session: Session) -> CodeOut:
        business = access.business(session, who.business_id)
        issued = identification.issue_code(session, business=business, member_id=member_id, at=now())
        member = scoped.get(session, Member, member_id, business_id=business.id)
        record(session, business.id, actor=who.actor, action="member.identification_code", obj=member)
        return CodeOut(code=issued.code, qr=issued.qr, expires_at=issued.expires_at, server_time=now())

    return db.write(work)


@router.get("/me/identification-code", response_model=CodeOut)
def my_code(who: Principal = Depends(require("member")), db: Database = Depends(database)) -> CodeOut:
    """The member's live code, the same on every device of the member; a new one only when none is live.
    `POST /v1/members/{id}/identification-code` replaces it ("New code")."""
    assert who.member_id is not None
    member_id = who.member_id

    def work(session: Session) -> CodeOut:
        business = access.business(session, who.business_id)
        shown = identification.current_code(session, business=business, member_id=member_id, at=now())
        return CodeOut(code=shown.code, qr=shown.qr, expires_at=shown.expires_at, server_time=now())

    return db.write(work)


@router.post("/identify", response_model=MemberOut)
def identify(
    body: IdentifyIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    settings: Settings = Depends(settings_of),
) -> MemberOut:
    given = [(name, value) for name, value in body.model_dump().items() if value is not None]
    if not given:
        raise InvalidInput("body", "send exactly one of phone, code, qr, email, member_number")
    if len(given) > 1:
        raise InvalidInput(given[1][0], f"send only one way to identify, not both {given[0][0]} and {given[1][0]}")
    way, value = given[0]
    if not value.strip():
        raise InvalidInput(way, "must not be empty")

    def work(session: Session) -> MemberOut | int:
        """The member found, or the tries this till has left after the failure it just noted."""
        business = access.business(session, who.business_id)
        at = now()
        member = identification.identify(
            session,
            business=business,
            terminal_id=who.terminal_id,
            way=way,
            value=value,
            settings=settings,
            at=at,
        )
        if member is None:
            # Counted in the transaction that noted the failure: it counts itself, with no second transaction.
            return lockouts.tries_left(
                session, business_id=business.id, terminal_id=who.terminal_id, settings=settings, at=at
            )
        record(session, business.id, actor=who.actor, action="member.identify", obj=member, details={"by": way})
        return member_view(session, business, member, who)

    found = db.write(work)
    if isinstance(found, int):
        # Raised only now, after the commit: the failed attempt must stay counted for the limits.
        not_found = members.MemberNotFound()
        # The till warns before it pauses; every failure answers alike (a code, a QR, a phone), so this leaks nothing.
        not_found.details.update(tries_left=found, pause_seconds=settings.identify_window_seconds)
        raise not_found
    return found


@router.get("/identification/risk", response_model=RiskOut)
def risk(
    who: Principal = Depends(admin), db: Database = Depends(database), settings: Settings = Depends(settings_of)
) -> RiskOut:
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = identification.risk(session, business=business, settings=settings, at=now())
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
    at = now()
    with db.read() as session:
        business = access.business(session, who.business_id)
        tills = lockouts.by_terminal(session, business=business, settings=settings, at=at)
        total = lockouts.business_failures(session, business=business, settings=settings, at=at)
    return LockoutsOut(
        window_seconds=settings.identify_window_seconds,
        business_failures=total,
        business_limit=settings.identify_failures_per_business,
        business_paused=total >= settings.identify_failures_per_business,
        terminals=[
            PausedTillOut(
                terminal_id=str(till.terminal_id),
                name=till.name,
                failures=till.failures,
                limit=till.limit,
                paused=till.paused,
                retry_after=till.retry_after,
            )
            for till in tills
        ],
    )


@router.post("/identification/lockouts/lift", response_model=LiftOut)
def lift_lockout(body: LiftIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> LiftOut:
    """Let a paused till search again by forgetting its failed searches (all tills' without `terminal_id`)."""

    def work(session: Session) -> LiftOut:
        business = access.business(session, who.business_id)
        return LiftOut(
            failures_forgotten=lockouts.lift(session, business=business, terminal_id=body.terminal_id, actor=who.actor)
        )

    return db.write(work)
