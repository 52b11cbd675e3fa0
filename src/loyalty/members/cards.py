"""The member as the services hand it to a door: plain data read in the service's transaction, the figures already
spelled as the API shows them. A door only renames (and for a till, the service has already masked)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.models import Business, Member, now
from loyalty.i18n import reader
from loyalty.i18n.names import names_out
from loyalty.members import accounts as members
from loyalty.members import tiers
from loyalty.members.access import Principal
from loyalty.members.views import MemberView
from loyalty.wallet import benefits, credit
from loyalty.wallet.lots import book


@dataclass(frozen=True)
class AssetCard:
    id: str
    benefit_id: str
    name: str
    kind: str
    status: str
    redeemable: bool
    reason: str | None  # in the reader's language
    valid_from: datetime
    valid_until: datetime | None
    granted_at: datetime
    source: str
    redeemed_at: datetime | None
    names: dict[str, str] = field(default_factory=dict)  # the benefit's name per language
    reason_code: str | None = None  # already_used, deactivated, expired, not_yet_valid


@dataclass(frozen=True)
class ConsentCard:
    terms: bool
    sms: bool
    email: bool


@dataclass(frozen=True)
class NextExpiry:
    at: datetime
    points: str


@dataclass(frozen=True)
class TierProgress:
    earned: str
    next_tier: str | None
    next_threshold: str | None
    points_to_next: str | None
    kept_until: datetime | None


@dataclass(frozen=True)
class MemberCard:
    id: str
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    member_number: str | None
    birthday: date | None
    status: str
    tags: list[str]
    consent: ConsentCard
    points_balance: str
    lifetime_points: str
    benefits: list[AssetCard]
    created_at: datetime
    credit_balance: str
    points_pending: str
    pending_until: datetime | None
    next_expiry: NextExpiry | None
    tier: str | None
    tier_progress: TierProgress | None
    language: str | None = None  # None: the business's
    attributes: dict[str, Any] = field(default_factory=dict)  # from a till's registration; not shown to pos keys

    @property
    def member_id(self) -> uuid.UUID:
        return uuid.UUID(self.id)


def contacts_seen(member: Member, who: Principal) -> tuple[str | None, str | None]:
    """The member's phone and e-mail as `who` may see them, at every door: a till sees them masked, enough to
    confirm by ear, never enough to take the account elsewhere."""
    if who.kind == "pos":
        return (members.mask_phone(member.phone) if member.phone else None), mask_email(member.email)
    return member.phone, member.email


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def asset_card(entry: benefits.WalletEntry, business: Business) -> AssetCard:
    asset = entry.asset
    return AssetCard(
        id=str(asset.id),
        benefit_id=str(asset.benefit_id),
        name=entry.benefit.name,
        names=names_out(entry.benefit.names),
        kind=entry.benefit.kind,
        status=entry.standing.status,
        redeemable=entry.standing.redeemable,
        reason=benefits.reason_in(entry.standing, reader.speech_for(business), business.timezone),
        reason_code=entry.standing.reason_code,
        valid_from=asset.valid_from,
        valid_until=asset.valid_until,
        granted_at=asset.granted_at,
        source=asset.source,
        redeemed_at=asset.redeemed_at,
    )


def asset_cards(session: Session, business: Business, assets: Sequence[Any], at: datetime) -> list[AssetCard]:
    out = []
    for asset in assets:
        benefit = benefits.get(session, business_id=business.id, benefit_id=asset.benefit_id)
        standing = benefits.standing(asset, at=at, timezone=business.timezone)
        out.append(asset_card(benefits.WalletEntry(asset, benefit, standing), business))
    return out


def cards(
    session: Session, business: Business, rows: Sequence[Member | MemberView], *, masked: bool
) -> list[MemberCard]:
    """The Member objects of `rows`; `masked` for pos keys (phone and e-mail masked, no birthday)."""
    at = now()
    wallets = benefits.wallet(session, business=business, member_ids=[row.id for row in rows], at=at)
    points = book.summaries(
        session, business_id=business.id, balances={row.id: row.points_balance for row in rows}, at=at
    )
    ladder = tiers.rungs(session, business=business)
    standings = {row.id: tiers.standing(session, business=business, member=row, at=at, ladder=ladder) for row in rows}
    named = {member_id: standing.name if standing else None for member_id, standing in standings.items()}
    return [
        MemberCard(
            id=str(member.id),
            first_name=member.first_name,
            last_name=member.last_name,
            phone=members.mask_phone(member.phone) if masked and member.phone else member.phone,
            email=mask_email(member.email) if masked else member.email,
            member_number=member.member_number,
            birthday=None if masked else member.birthday,
            status=member.status,
            tags=list(member.tags or []),
            consent=ConsentCard(terms=member.consent_terms, sms=member.consent_sms, email=member.consent_email),
            points_balance=members.format_points(business, points[member.id].balance),
            lifetime_points=members.format_points(business, member.lifetime_points),
            benefits=[asset_card(entry, business) for entry in wallets[member.id]],
            created_at=member.created_at,
            credit_balance=credit.money(business, member.credit_balance),
            points_pending=members.format_points(business, points[member.id].pending),
            pending_until=points[member.id].pending_until,
            next_expiry=_next_expiry(business, points[member.id]),
            tier=named[member.id],
            tier_progress=_progress(business, standings[member.id]),
            language=member.language,
            attributes={} if masked else dict(member.attributes or {}),
        )
        for member in rows
    ]


def card(session: Session, business: Business, member: Member | MemberView, who: Principal) -> MemberCard:
    """The member as `who` may see them: a till sees a masked phone and e-mail and no birthday."""
    return cards(session, business, [member], masked=who.kind == "pos")[0]


def _next_expiry(business: Business, summary: book.Summary) -> NextExpiry | None:
    if summary.next_expiry_at is None:
        return None
    return NextExpiry(at=summary.next_expiry_at, points=members.format_points(business, summary.next_expiry_points))


def _progress(business: Business, standing: tiers.Standing | None) -> TierProgress | None:
    if standing is None:
        return None
    to_next = None
    if standing.next_threshold is not None:
        to_next = members.format_points(business, max(standing.next_threshold - standing.earned, 0))
    threshold = standing.next_threshold
    return TierProgress(
        earned=members.format_points(business, standing.earned),
        next_tier=standing.next_name,
        next_threshold=members.format_points(business, threshold) if threshold is not None else None,
        points_to_next=to_next,
        kept_until=standing.kept_until,
    )
