"""The business, its branches, terminals and API keys (admin keys only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.api.deps import admin, database
from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import ApiKey, Branch, Business, Terminal
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.sale import means_of_payment, payment_policy
from loyalty.wallet import credit

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


# Settings where null means "none" (never expire, no reminders): an explicit null in a PATCH sets them.
NULLABLE_SETTINGS = ("points_expire_after_days", "points_expiry_reminder_days")


class BusinessPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    points_decimals: int | None = Field(default=None, ge=0, le=2)
    point_value: Decimal | None = Field(
        default=None, gt=0, le=MAX_POINT_VALUE, description="What one point is worth in money, at most 1,000,000."
    )
    identification_code_length: int | None = Field(default=None, ge=4, le=8)
    identification_code_ttl_seconds: int | None = Field(default=None, ge=30, le=86_400)
    allow_negative_balance: bool | None = None
    timezone: str | None = None
    payment_wallet: str | None = Field(default=None, max_length=16)
    payment_verification: bool | None = None
    payment_min: Decimal | None = Field(default=None, ge=0, le=Decimal(1_000_000_000), description="null removes it")
    payment_max: Decimal | None = Field(default=None, gt=0, le=Decimal(1_000_000_000), description="null removes it")
    means_of_payment: list[str] | None = Field(default=None, max_length=50)
    credit_top_up_bonus: list[Any] | None = Field(
        default=None, max_length=credit.MAX_TIERS, description='[{"from": "20.00", "bonus": "5.00"}]; [] for none.'
    )
    points_expire_after_days: int | None = Field(default=None, ge=1, le=3650, description="null: never")
    points_pending_days: int | None = Field(default=None, ge=0, le=365)
    points_expiry_reminder_days: int | None = Field(default=None, ge=1, le=365, description="null: no reminders")
    tier_window_days: int | None = Field(default=None, ge=1, le=3650)


class NamedIn(Strict):
    name: str = Field(min_length=1, max_length=200)


class TerminalIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    branch_id: uuid.UUID


class PlaceOut(BaseModel):
    id: str
    name: str
    branch_id: str | None = None


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
    )


def _money(business: Business, minor: int | None) -> str | None:
    return None if minor is None else str(from_minor(minor, currency_exponent(business.currency)))


def _minor(business: Business, amount: Decimal | None, field: str) -> int | None:
    if amount is None:
        return None
    try:
        return to_minor(amount, currency_exponent(business.currency))
    except ValueError:
        raise InvalidInput(field, f"has more decimals than {business.currency} allows") from None


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
    with db.read() as session:
        return business_out(access.business(session, who.business_id))


@router.patch("/business", response_model=BusinessOut)
def change_business(
    patch: BusinessPatch, who: Principal = Depends(admin), db: Database = Depends(database)
) -> BusinessOut:
    def work(session: Session) -> BusinessOut:
        business = access.business(session, who.business_id)
        changes = patch.model_dump(exclude_none=True)
        changes |= {name: None for name in NULLABLE_SETTINGS if name in patch.model_fields_set and name not in changes}
        if "point_value" in changes:
            try:
                business.point_value_minor = to_minor(changes.pop("point_value"), currency_exponent(business.currency))
            except ValueError:
                raise InvalidInput("point_value", f"has more decimals than {business.currency} allows") from None
        if "timezone" in changes:
            access.check_timezone(changes["timezone"])
        if "payment_wallet" in changes:
            payment_policy.check_wallet(changes["payment_wallet"])
        for name in ("payment_min", "payment_max"):
            changes.pop(name, None)
            if name in patch.model_fields_set:
                setattr(business, f"{name}_minor", _minor(business, getattr(patch, name), name))
        payment_policy.check_limits_setting(business.payment_min_minor, business.payment_max_minor)
        if "means_of_payment" in changes:
            changes["means_of_payment"] = means_of_payment.checked(changes["means_of_payment"])
        if "credit_top_up_bonus" in changes:
            changes["credit_top_up_bonus"] = credit.parse_bonus_table(changes["credit_top_up_bonus"], business)
        for name, value in changes.items():
            setattr(business, name, value)
        record(
            session,
            business.id,
            actor=who.actor,
            action="business.update",
            obj=business,
            details=patch.model_dump(exclude_unset=True, mode="json"),
        )
        return business_out(business)

    return db.write(work)


@router.get("/branches", response_model=list[PlaceOut])
def list_branches(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[PlaceOut]:
    with db.read() as session:
        rows = session.scalars(select(Branch).where(Branch.business_id == who.business_id).order_by(Branch.created_at))
        return [PlaceOut(id=str(row.id), name=row.name) for row in rows]


@router.post("/branches", response_model=PlaceOut, status_code=201)
def create_branch(body: NamedIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> PlaceOut:
    def work(session: Session) -> PlaceOut:
        branch = Branch(business_id=who.business_id, name=body.name)
        session.add(branch)
        session.flush()
        record(session, who.business_id, actor=who.actor, action="branch.create", obj=branch)
        return PlaceOut(id=str(branch.id), name=branch.name)

    return db.write(work)


@router.get("/terminals", response_model=list[PlaceOut])
def list_terminals(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[PlaceOut]:
    with db.read() as session:
        query = select(Terminal).where(Terminal.business_id == who.business_id).order_by(Terminal.created_at)
        return [PlaceOut(id=str(row.id), name=row.name, branch_id=str(row.branch_id)) for row in session.scalars(query)]


@router.post("/terminals", response_model=PlaceOut, status_code=201)
def create_terminal(body: TerminalIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> PlaceOut:
    def work(session: Session) -> PlaceOut:
        branch = scoped.get(session, Branch, body.branch_id, business_id=who.business_id)
        if branch is None or branch.business_id != who.business_id:
            raise InvalidInput("branch_id", "is not a branch of this business")
        terminal = Terminal(business_id=who.business_id, branch_id=branch.id, name=body.name)
        session.add(terminal)
        session.flush()
        record(session, who.business_id, actor=who.actor, action="terminal.create", obj=terminal)
        return PlaceOut(id=str(terminal.id), name=terminal.name, branch_id=str(branch.id))

    return db.write(work)


@router.get("/api-keys", response_model=list[KeyOut])
def list_keys(who: Principal = Depends(admin), db: Database = Depends(database)) -> list[KeyOut]:
    with db.read() as session:
        return [key_out(key) for key in access.keys(session, business_id=who.business_id)]


@router.post("/api-keys", response_model=KeyOut, status_code=201)
def create_key(body: KeyIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> KeyOut:
    def work(session: Session) -> KeyOut:
        terminal = None
        if body.kind == "pos":
            if body.terminal_id is None:
                raise InvalidInput("terminal_id", "is required for a pos key")
            terminal = access.terminal(session, business_id=who.business_id, terminal_id=body.terminal_id)
        raw, key = access.issue_key(
            session, business_id=who.business_id, kind=body.kind, name=body.name, terminal=terminal
        )
        record(session, who.business_id, actor=who.actor, action="key.create", obj=key)
        return key_out(key, raw)

    return db.write(work)


@router.post("/api-keys/{key_id}/revoke", response_model=KeyOut)
def revoke_key(key_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)) -> KeyOut:
    return db.write(
        lambda session: key_out(access.revoke_key(session, business_id=who.business_id, key_id=key_id, actor=who.actor))
    )
