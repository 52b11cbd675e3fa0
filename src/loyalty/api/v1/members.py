"""Members: registration, the Member object, search, changes, points corrections, history and the wallet."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.api.idempotent import optional_key, write_once
from loyalty.api.v1.member_shapes import AssetOut, MemberOut, asset_out, asset_outs, member_view, member_views
from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerTransaction, now
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members import search as finding
from loyalty.members.access import Principal
from loyalty.wallet import adjustments, benefits, shop
from loyalty.wallet.lots import book

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
    phone: str = Field(
        min_length=1, max_length=40, description="Any common spelling; the business country is the default region."
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


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class AdjustmentIn(Strict):
    points: str | int | Decimal = Field(description='Signed points as a string: "12.50" adds, "-7" takes away.')
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
    if who.kind != "admin" and body.tags:
        # A tag can unlock a tag-conditioned rule: only an admin sets one, here as in PATCH.
        raise InvalidInput("tags", "can be set by an admin key only")

    def work(session: Session) -> MemberOut:
        business = access.business(session, who.business_id)
        member = members.register(
            session,
            business=business,
            phone=body.phone,
            first_name=body.first_name,
            last_name=body.last_name,
            email=body.email,
            birthday=body.birthday,
            member_number=body.member_number,
            tags=body.tags,
            consent=body.consent.model_dump() if body.consent else None,
            actor=who.actor,
            at=now(),
        )
        session.flush()
        session.refresh(member)  # the joined rules moved the balance with a guarded UPDATE
        return member_view(session, business, member, who)

    if key is not None:
        return write_once(db, request, who, key=key, body=body, model=MemberOut, status=201, work=work)
    return db.write(work)


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
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = finding.search(session, business=business, q=q, cursor=cursor, limit=limit)
        return MemberPage(
            items=member_views(session, business, page.members, masked=False), next_cursor=page.next_cursor
        )


@router.get("/members/{member_id}", response_model=MemberOut)
def show(member_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> MemberOut:
    with db.read() as session:
        business = access.business(session, who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        return member_view(session, business, member, who)


@router.patch("/members/{member_id}", response_model=MemberOut)
def change(
    member_id: uuid.UUID, patch: MemberPatch, who: Principal = Depends(admin), db: Database = Depends(database)
) -> MemberOut:
    changes = patch.model_dump(exclude_unset=True)
    for name in ("phone", "first_name", "last_name", "tags", "status", "consent"):
        if name in changes and changes[name] is None:
            raise InvalidInput(name, "cannot be null")
    if "consent" in changes:
        changes["consent"] = {key: value for key, value in changes["consent"].items() if value is not None}

    def work(session: Session) -> MemberOut:
        business = access.business(session, who.business_id)
        member = members.update(session, business=business, member_id=member_id, changes=changes, actor=who.actor)
        return member_view(session, business, member, who)

    return db.write(work)


def _points(business: Business, hundredths: int) -> str:
    return members.format_points(business, hundredths)


@router.post("/members/{member_id}/adjustments", response_model=AdjustmentOut, status_code=201)
def adjust(
    member_id: uuid.UUID, body: AdjustmentIn, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AdjustmentOut:
    def work(session: Session) -> AdjustmentOut:
        business = access.business(session, who.business_id)
        done = adjustments.adjust(
            session, business=business, member_id=member_id, points=body.points, reason=body.reason, actor=who.actor
        )
        return AdjustmentOut(
            id=str(done.transaction.id),
            member_id=str(member_id),
            points=_points(business, done.amount),
            reason=done.transaction.reason,
            points_balance=_points(
                business,
                book.balance_now(session, member_id=member_id, cached=done.member.points_balance, at=now()),
            ),
            at=done.transaction.created_at,
        )

    return db.write(work)


def _history_item(business: Business, transaction: LedgerTransaction, amount: int) -> HistoryItem:
    def text(value: uuid.UUID | None) -> str | None:
        return str(value) if value else None

    return HistoryItem(
        id=str(transaction.id),
        kind=transaction.kind,
        points=_points(business, amount),
        cause=CauseOut(
            purchase_id=text(transaction.purchase_id),
            payment_id=text(transaction.payment_id),
            rule_id=text(transaction.rule_id),
            rule_revision=transaction.rule_revision,
        ),
        reason=transaction.reason,
        at=transaction.created_at,
    )


@router.get("/members/{member_id}/history", response_model=HistoryPage)
def history(
    member_id: uuid.UUID,
    limit: int = Query(default=paging.DEFAULT_LIMIT, ge=1, le=paging.MAX_LIMIT),
    cursor: str | None = Query(default=None, description="next_cursor of the previous page"),
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
) -> HistoryPage:
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = adjustments.history(session, business=business, member_id=member_id, cursor=cursor, limit=limit)
        return HistoryPage(
            items=[_history_item(business, transaction, amount) for transaction, amount in page.items],
            next_cursor=page.next_cursor,
        )


@router.get("/members/{member_id}/benefits", response_model=list[AssetOut])
def wallet(
    member_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)
) -> list[AssetOut]:
    with db.read() as session:
        business = access.business(session, who.business_id)
        members.get(session, business_id=business.id, member_id=member_id)
        entries = benefits.wallet(session, business=business, member_ids=[member_id], at=now())[member_id]
        return [asset_out(entry) for entry in entries]


@router.post("/members/{member_id}/benefits", response_model=AssetOut, status_code=201)
def grant(
    member_id: uuid.UUID, body: GrantIn, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AssetOut:
    def work(session: Session) -> AssetOut:
        business = access.business(session, who.business_id)
        members.get(session, business_id=business.id, member_id=member_id)
        try:
            benefits.get(session, business_id=business.id, benefit_id=body.benefit_id)
        except benefits.BenefitNotFound:
            raise InvalidInput("benefit_id", "is not a benefit of this business") from None
        at = now()
        asset = benefits.grant(
            session, business=business, member_id=member_id, benefit_id=body.benefit_id, source="admin", at=at
        )
        record(
            session,
            business.id,
            actor=who.actor,
            action="benefit.grant",
            obj=asset,
            details={"member_id": str(member_id), "benefit_id": str(body.benefit_id)},
        )
        return asset_outs(session, business, [asset], at)[0]

    return db.write(work)


@router.post("/members/{member_id}/benefits/{asset_id}/deactivate", response_model=AssetOut)
def deactivate(
    member_id: uuid.UUID, asset_id: uuid.UUID, who: Principal = Depends(admin), db: Database = Depends(database)
) -> AssetOut:
    def work(session: Session) -> AssetOut:
        business = access.business(session, who.business_id)
        at = now()
        before = benefits.asset(session, business_id=business.id, member_id=member_id, asset_id=asset_id).status
        asset = benefits.deactivate(session, business=business, member_id=member_id, asset_id=asset_id, at=at)
        if before != asset.status:  # a second deactivation changes nothing, so it leaves no record
            record(session, business.id, actor=who.actor, action="benefit.deactivate", obj=asset)
            shop.refund_if_bought(session, business=business, asset=asset, at=at)  # bought unused: points back
        return asset_outs(session, business, [asset], at)[0]

    return db.write(work)
