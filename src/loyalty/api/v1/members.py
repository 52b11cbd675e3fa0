"""Members: registration, the Member object, search, changes, points corrections, history and the wallet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.api.idempotent import optional_key, write_once
from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerTransaction, Member, now
from loyalty.errors import InvalidInput
from loyalty.members import access, tiers
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import adjustments, benefits, credit, shop
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


class AssetOut(BaseModel):
    id: str
    benefit_id: str
    name: str
    kind: str
    status: str = Field(description="active, redeemed, expired or deactivated")
    redeemable: bool
    reason: str | None = Field(description="Why it cannot be used now, in a sentence; null when it can.")
    valid_from: datetime
    valid_until: datetime | None
    granted_at: datetime
    source: str
    redeemed_at: datetime | None


class ConsentOut(BaseModel):
    terms: bool
    sms: bool
    email: bool


class MemberOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    phone: str = Field(description="E.164 for admin keys; masked (+41 •• ••• •• 67) for pos keys.")
    email: str | None = Field(description="Masked for pos keys.")
    member_number: str | None
    birthday: date | None = Field(description="Not shown to pos keys.")
    status: str
    tags: list[str]
    consent: ConsentOut
    points_balance: str
    lifetime_points: str
    benefits: list[AssetOut] = Field(description="The wallet, usable entries first.")
    created_at: datetime
    credit_balance: str = Field(default="0.00", description="Stored credit, money in the business currency.")
    points_pending: str = Field(description="Earned points not spendable yet (not in points_balance).")
    next_expiry: NextExpiryOut | None = Field(description="The next moment points expire, and how many.")
    tier: str | None = Field(description="The member's tier; null without one.")
    tier_progress: TierProgressOut | None = Field(description="Null when the business has no tiers.")


class NextExpiryOut(BaseModel):
    at: datetime
    points: str


class TierProgressOut(BaseModel):
    earned: str = Field(description="Points earned in the tier window (less what returns took back).")
    next_tier: str | None = Field(description="The next tier up; null at the top.")
    next_threshold: str | None
    points_to_next: str | None = Field(description="Points still to earn for the next tier.")
    kept_until: datetime | None = Field(description="Until when the tier held is kept without earning more.")


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


# --- the Member object, shared by every endpoint that answers with one --------------------------------


def _mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def asset_out(entry: benefits.WalletEntry) -> AssetOut:
    asset = entry.asset
    return AssetOut(
        id=str(asset.id),
        benefit_id=str(asset.benefit_id),
        name=entry.benefit.name,
        kind=entry.benefit.kind,
        status=entry.standing.status,
        redeemable=entry.standing.redeemable,
        reason=entry.standing.reason,
        valid_from=asset.valid_from,
        valid_until=asset.valid_until,
        granted_at=asset.granted_at,
        source=asset.source,
        redeemed_at=asset.redeemed_at,
    )


def asset_outs(session: Session, business: Business, assets: Sequence[Any], at: datetime) -> list[AssetOut]:
    out = []
    for asset in assets:
        benefit = benefits.get(session, business_id=business.id, benefit_id=asset.benefit_id)
        standing = benefits.standing(asset, at=at, timezone=business.timezone)
        out.append(asset_out(benefits.WalletEntry(asset, benefit, standing)))
    return out


def member_views(session: Session, business: Business, rows: Sequence[Member], *, masked: bool) -> list[MemberOut]:
    """The Member objects of `rows`; `masked` for pos keys (phone and e-mail masked, no birthday)."""
    at = now()
    wallets = benefits.wallet(session, business=business, member_ids=[row.id for row in rows], at=at)
    points = book.summaries(
        session, business_id=business.id, balances={row.id: row.points_balance for row in rows}, at=at
    )
    ladder = tiers.tiers(session, business_id=business.id)
    standings = {row.id: tiers.standing(session, business=business, member=row, at=at, ladder=ladder) for row in rows}
    return [
        MemberOut(
            id=str(member.id),
            first_name=member.first_name,
            last_name=member.last_name,
            phone=members.mask_phone(member.phone) if masked else member.phone,
            email=_mask_email(member.email) if masked else member.email,
            member_number=member.member_number,
            birthday=None if masked else member.birthday,
            status=member.status,
            tags=list(member.tags or []),
            consent=ConsentOut(terms=member.consent_terms, sms=member.consent_sms, email=member.consent_email),
            points_balance=members.format_points(business, points[member.id].balance),
            lifetime_points=members.format_points(business, member.lifetime_points),
            benefits=[asset_out(entry) for entry in wallets[member.id]],
            created_at=member.created_at,
            credit_balance=credit.money(business, member.credit_balance),
            points_pending=members.format_points(business, points[member.id].pending),
            next_expiry=_next_expiry(business, points[member.id]),
            tier=_tier_name(standings[member.id]),
            tier_progress=_progress(business, standings[member.id]),
        )
        for member in rows
    ]


def _tier_name(standing: tiers.Standing | None) -> str | None:
    return standing.name if standing else None


def _next_expiry(business: Business, summary: book.Summary) -> NextExpiryOut | None:
    if summary.next_expiry_at is None:
        return None
    return NextExpiryOut(at=summary.next_expiry_at, points=members.format_points(business, summary.next_expiry_points))


def _progress(business: Business, standing: tiers.Standing | None) -> TierProgressOut | None:
    if standing is None:
        return None
    to_next = None
    if standing.next_threshold is not None:
        to_next = members.format_points(business, max(standing.next_threshold - standing.earned, 0))
    return TierProgressOut(
        earned=members.format_points(business, standing.earned),
        next_tier=standing.next_name,
        next_threshold=members.format_points(business, standing.next_threshold)
        if standing.next_threshold is not None
        else None,
        points_to_next=to_next,
        kept_until=standing.kept_until,
    )


def member_view(session: Session, business: Business, member: Member, who: Principal) -> MemberOut:
    return member_views(session, business, [member], masked=who.kind == "pos")[0]


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
        scoped.refresh(session, member)  # the joined rules moved the balance with a guarded UPDATE
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
        page = members.search(session, business=business, q=q, cursor=cursor, limit=limit)
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
                book.balance_now(
                    session,
                    business_id=who.business_id,
                    member_id=member_id,
                    cached=done.member.points_balance,
                    at=now(),
                ),
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
