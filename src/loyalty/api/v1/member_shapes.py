"""The Member object and its wallet entries, as every endpoint that answers with a member shows them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from loyalty.db.models import Business, Member, now
from loyalty.members import accounts as members
from loyalty.members import tiers
from loyalty.members.access import Principal
from loyalty.wallet import benefits, credit
from loyalty.wallet.lots import book


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
