"""The business, its branches, terminals and API keys (admin keys only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import admin, database
from loyalty.api.numbers import Plain
from loyalty.business import setup
from loyalty.db.engine import Database
from loyalty.members import texting
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor
from loyalty.wallet import credit

# Rows (a business, a key) reach the doors through the services; they never import the models.
Business = Any
ApiKey = Any

router = APIRouter(prefix="/v1", tags=["business"])

# Money per point, at most: with sale amounts below 10^9 a points payment stays a whole number of hundredths
# far inside the ledger's integers, and a typo ("1e30") is a 422 instead of a 500.
MAX_POINT_VALUE = Decimal(1_000_000)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BusinessOut(BaseModel):
    id: str
    name: str
    currency: str
    country: str
    timezone: str
    language: str = Field(description="en, fr, de or it: the faces, explanations and histories by default.")
    points_decimals: int
    point_value: str
    identification_code_length: int
    identification_code_ttl_seconds: int
    allow_negative_balance: bool
    payment_wallet: str = Field(description="The wallet a till's budget payment (Como `payment`) draws from.")
    payment_verification: bool = Field(description="Whether the member confirms a Como payment with a sent code.")
    payment_min: str | None = Field(description="The smallest Como payment; null: no limit.")
    payment_max: str | None = Field(description="The largest Como payment; null: no limit.")
    means_of_payment: list[str] = Field(description="What the till offers for what points do not pay, in order.")
    credit_top_up_bonus: list[dict[str, str]] = Field(
        default_factory=list, description='Top-up bonus tiers: [{"from": "20.00", "bonus": "5.00"}].'
    )
    points_expire_after_days: int | None = Field(description="Points expire this many days after they are earned.")
    points_pending_days: int = Field(description="Earned points become spendable this many days later.")
    points_expiry_reminder_days: int | None = Field(description="Members are told this many days before expiry.")
    tier_window_days: int = Field(description="Tiers count the points earned in this many days.")
    text_countries: list[str] = Field(
        default_factory=list, description="The countries whose phone numbers are sent texts (login and till codes)."
    )


class BusinessPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    points_decimals: int | None = Field(default=None, ge=0, le=2)
    point_value: Plain | None = Field(
        default=None, gt=0, le=MAX_POINT_VALUE, description="What one point is worth in money, at most 1,000,000."
    )
    identification_code_length: int | None = Field(default=None, ge=4, le=8)
    identification_code_ttl_seconds: int | None = Field(default=None, ge=30, le=86_400)
    allow_negative_balance: bool | None = None
    timezone: str | None = None
    language: str | None = Field(default=None, description="en, fr, de or it.")
    payment_wallet: str | None = Field(default=None, max_length=16)
    payment_verification: bool | None = None
    payment_min: Plain | None = Field(default=None, ge=0, le=Decimal(1_000_000_000), description="null removes it")
    payment_max: Plain | None = Field(default=None, gt=0, le=Decimal(1_000_000_000), description="null removes it")
    means_of_payment: list[str] | None = Field(default=None, max_length=50)
    credit_top_up_bonus: list[Any] | None = Field(
        default=None, max_length=credit.MAX_TIERS, description='[{"from": "20.00", "bonus": "5.00"}]; [] for none.'
    )
    points_expire_after_days: int | None = Field(default=None, ge=1, le=3650, description="null: never")
    points_pending_days: int | None = Field(default=None, ge=0, le=365)
    points_expiry_reminder_days: int | None = Field(default=None, ge=1, le=365, description="null: no reminders")
    tier_window_days: int | None = Field(default=None, ge=1, le=3650)
    text_countries: list[str] | None = Field(
        default=None, max_length=50, description='ISO country codes, e.g. ["CH", "DE"]; null: the business\'s own.'
    )


class NamedIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class TerminalIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    branch_id: uuid.UUID


class PlaceOut(BaseModel):
    id: str
    name: str
    branch_id: str | None = None


class TerminalOut(PlaceOut):
    external_id: str | None = Field(description="The till's own X-Pos-Id, when a Como till made it.")
    created_at: datetime
    created_by_key_id: str | None = Field(description="The pos key whose X-Pos-Id made it.")
    retired_at: datetime | None


class TerminalChange(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200, description="null or absent: unchanged")


def terminal_out(row: Any) -> TerminalOut:
    return TerminalOut(
        id=str(row.id),
        name=row.name,
        branch_id=str(row.branch_id),
        external_id=row.external_id,
        created_at=row.created_at,
        created_by_key_id=str(row.created_by_key_id) if row.created_by_key_id else None,
        retired_at=row.retired_at,
    )


class KeyIn(Strict):
    kind: Literal["admin", "pos"]
    name: str = Field(default="", max_length=200)
    terminal_id: uuid.UUID | None = Field(default=None, description="Required for a pos key.")


class KeyOut(BaseModel):
    id: str
    kind: str
    name: str
    prefix: str
    terminal_id: str | None
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = Field(default=None, description="The key itself, shown only in the answer that creates it.")


def business_out(business: Business) -> BusinessOut:
    return BusinessOut(
        id=str(business.id),
        name=business.name,
        currency=business.currency,
        country=business.country,
        timezone=business.timezone,
        language=business.language,
        points_decimals=business.points_decimals,
        point_value=str(from_minor(business.point_value_minor, currency_exponent(business.currency))),
        identification_code_length=business.identification_code_length,
        identification_code_ttl_seconds=business.identification_code_ttl_seconds,
        allow_negative_balance=business.allow_negative_balance,
        payment_wallet=business.payment_wallet,
        payment_verification=business.payment_verification,
        payment_min=_money(business, business.payment_min_minor),
        payment_max=_money(business, business.payment_max_minor),
        means_of_payment=list(business.means_of_payment),
        credit_top_up_bonus=credit.bonus_table_out(business),
        points_expire_after_days=business.points_expire_after_days,
        points_pending_days=business.points_pending_days,
        points_expiry_reminder_days=business.points_expiry_reminder_days,
        tier_window_days=business.tier_window_days,
        text_countries=texting.countries(business),
    )


def _money(business: Business, minor: int | None) -> str | None:
    return None if minor is None else str(from_minor(minor, currency_exponent(business.currency)))


def key_out(key: ApiKey, raw: str | None = None) -> KeyOut:
    return KeyOut(
        id=str(key.id),
        kind=key.kind,
        name=key.name,
        prefix=key.prefix,
        terminal_id=str(key.terminal_id) if key.terminal_id else None,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        key=raw,
    )


@router.get("/business", response_model=BusinessOut)
def show_business(who: Principal = Depends(admin), db: Database = Depends(database)) -> BusinessOut:
    return business_out(setup.business(db, who))


@router.patch("/business", response_model=BusinessOut)
def change_business(
    patch: BusinessPatch, who: Principal = Depends(admin), db: Database = Depends(database)
) -> BusinessOut:
    return business_out(setup.change_business(db, who, patch.model_dump(exclude_unset=True)))


@router.get("/branches", response_model=list[PlaceOut])
def list_branches(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[PlaceOut]:
    return [PlaceOut(id=str(row.id), name=row.name) for row in setup.branches(db, who)]


@router.post("/branches", response_model=PlaceOut, status_code=201)
def create_branch(body: NamedIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> PlaceOut:
    branch = setup.create_branch(db, who, body.name)
    return PlaceOut(id=str(branch.id), name=branch.name)


@router.get("/terminals", response_model=list[TerminalOut])
def list_terminals(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[TerminalOut]:
    """Every terminal of the business, retired ones included, oldest first."""
    return [terminal_out(row) for row in setup.terminals(db, who)]


@router.patch("/terminals/{terminal_id}", response_model=TerminalOut)
def rename_terminal(
    terminal_id: uuid.UUID, body: TerminalChange, who: Principal = Depends(admin), db: Database = Depends(database)
) -> TerminalOut:
    return terminal_out(setup.rename_terminal(db, who, terminal_id, body.name))


@router.post("/terminals/{terminal_id}/retire", response_model=TerminalOut)
def retire_terminal(
    terminal_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> TerminalOut:
    """The terminal sells no more: its pos keys are revoked and its X-Pos-Id is refused, not made again."""
    return terminal_out(setup.retire_terminal(db, who, terminal_id))


@router.post("/terminals", response_model=PlaceOut, status_code=201)
def create_terminal(body: TerminalIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> PlaceOut:
    terminal = setup.create_terminal(db, who, setup.NewTerminal(name=body.name, branch_id=body.branch_id))
    return PlaceOut(id=str(terminal.id), name=terminal.name, branch_id=str(terminal.branch_id))


@router.get("/api-keys", response_model=list[KeyOut])
def list_keys(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[KeyOut]:
    return [key_out(key) for key in setup.keys(db, who)]


@router.post("/api-keys", response_model=KeyOut, status_code=201)
def create_key(body: KeyIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> KeyOut:
    raw, key = setup.create_key(db, who, setup.NewKey(kind=body.kind, name=body.name, terminal_id=body.terminal_id))
    return key_out(key, raw)


@router.post("/api-keys/{key_id}/revoke", response_model=KeyOut)
def revoke_key(key_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)) -> KeyOut:
    return key_out(setup.revoke_key(db, who, key_id))
