"""Codes used: found usable for a member, counted behind the guarded UPDATE, released by a cancel, and redeemed
outside a sale (a benefit to the wallet, or the `code_used` rules fired)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from loyalty.campaigns.codes.common import CodeRefused, normalise
from loyalty.db import scoped
from loyalty.db.models import Asset, Business, CodeUse, Member, PromoCode
from loyalty.members import accounts as members
from loyalty.sale import awards
from loyalty.wallet import benefits


def _day(session: Session, business_id: uuid.UUID, moment: datetime) -> str:
    business = session.get(Business, business_id)
    zone = ZoneInfo(business.timezone if business else "UTC")
    return moment.astimezone(zone).date().isoformat()


def _member_uses(session: Session, promo: PromoCode, member_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        CodeUse.business_id == promo.business_id,
        CodeUse.code_id == promo.id,
        CodeUse.member_id == member_id,
        CodeUse.released_at.is_(None),
    )
    return int(session.scalar(query) or 0)


def _why_not(session: Session, promo: PromoCode, member_id: uuid.UUID | None, at: datetime) -> CodeRefused | None:
    if promo.valid_from is not None and at < promo.valid_from:
        return CodeRefused(
            "code_not_yet_valid", f"not valid before {_day(session, promo.business_id, promo.valid_from)}"
        )
    if promo.valid_until is not None and at >= promo.valid_until:
        return CodeRefused("code_expired", f"expired on {_day(session, promo.business_id, promo.valid_until)}")
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        return CodeRefused("code_used_up", "already used" if promo.max_uses == 1 else "all its uses are spent")
    if member_id is None and (promo.effect == "trigger" or promo.max_uses_per_member is not None):
        return CodeRefused("code_needs_member", "identify the member first")
    if (
        member_id is not None
        and promo.max_uses_per_member is not None
        and _member_uses(session, promo, member_id) >= promo.max_uses_per_member
    ):
        return CodeRefused("code_already_used_by_member", "already used by this member")
    return None


def find_usable(
    session: Session, *, business_id: uuid.UUID, text: str, member_id: uuid.UUID | None, at: datetime
) -> PromoCode:
    """The code `text` names (any case, spaces around ignored) if it can be used now by this member.

    Raises CodeRefused (422, with `.reason`): unknown, not yet valid, expired, used up, already used by this
    member, or a member is needed. Reads only; `use` spends.
    """
    promo = session.scalar(
        select(PromoCode).where(PromoCode.business_id == business_id, PromoCode.code == normalise(text))
    )
    if promo is None:
        raise CodeRefused("code_unknown", "unknown code")
    refusal = _why_not(session, promo, member_id, at)
    if refusal is not None:
        raise refusal
    return promo


def use(
    session: Session, *, code: PromoCode, member_id: uuid.UUID | None, purchase_id: uuid.UUID | None, at: datetime
) -> CodeUse:
    """Spend one use of `code`. Exactly as many concurrent calls succeed as uses are left.

    Raises CodeRefused when it is used up, out of its dates, or this member's uses are spent; then nothing
    changed, so the caller may go on without the code. Only flushes.
    """
    if member_id is None and (code.effect == "trigger" or code.max_uses_per_member is not None):
        raise CodeRefused("code_needs_member", "identify the member first")
    counted = session.execute(
        update(PromoCode)
        .where(
            PromoCode.business_id == code.business_id,
            PromoCode.id == code.id,
            or_(PromoCode.max_uses.is_(None), PromoCode.uses < PromoCode.max_uses),
            or_(PromoCode.valid_from.is_(None), PromoCode.valid_from <= at),
            or_(PromoCode.valid_until.is_(None), PromoCode.valid_until > at),
        )
        .values(uses=PromoCode.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        scoped.refresh(session, code)
        raise _why_not(session, code, member_id, at) or CodeRefused("code_used_up", "already used")
    # The UPDATE above holds the code's row lock until commit, so this count sees every committed use.
    if (
        member_id is not None
        and code.max_uses_per_member is not None
        and _member_uses(session, code, member_id) >= code.max_uses_per_member
    ):
        _uncount(session, code.id, business_id=code.business_id)
        raise CodeRefused("code_already_used_by_member", "already used by this member")
    spent = CodeUse(business_id=code.business_id, code_id=code.id, member_id=member_id, purchase_id=purchase_id, at=at)
    session.add(spent)
    session.flush()
    scoped.refresh(session, code, ["uses"])
    return spent


def _uncount(session: Session, code_id: uuid.UUID, *, business_id: uuid.UUID) -> None:
    session.execute(
        update(PromoCode)
        .where(PromoCode.business_id == business_id, PromoCode.id == code_id, PromoCode.uses > 0)
        .values(uses=PromoCode.uses - 1)
        .execution_options(synchronize_session=False)
    )


def release(session: Session, *, business_id: uuid.UUID, purchase_id: uuid.UUID, at: datetime) -> list[CodeUse]:
    """Give back the code uses of a cancelled purchase. A second call releases nothing more."""
    released: list[CodeUse] = []
    uses = session.scalars(
        select(CodeUse).where(
            CodeUse.business_id == business_id, CodeUse.purchase_id == purchase_id, CodeUse.released_at.is_(None)
        )
    ).all()
    for spent in uses:
        done = session.execute(
            update(CodeUse)
            .where(and_(CodeUse.business_id == business_id, CodeUse.id == spent.id, CodeUse.released_at.is_(None)))
            .values(released_at=at)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            _uncount(session, spent.code_id, business_id=business_id)
            scoped.refresh(session, spent)
            released.append(spent)
    return released


@dataclass
class Redeemed:
    """What using a code outside a sale did."""

    code: PromoCode
    use: CodeUse
    member: Member
    assets: list[Asset] = field(default_factory=list)
    points: int = 0  # hundredths earned by the code_used rules
    message: str = ""


def redeem(session: Session, *, business: Business, text: str, member_id: uuid.UUID, at: datetime) -> Redeemed:
    """The till's "Use a Code" field: a benefit code puts its benefit in the wallet; a trigger code fires the
    `code_used` rules. One use is spent either way. The caller audits."""
    member = members.require_active(members.get(session, business_id=business.id, member_id=member_id))
    promo = find_usable(session, business_id=business.id, text=text, member_id=member.id, at=at)
    spent = use(session, code=promo, member_id=member.id, purchase_id=None, at=at)
    done = Redeemed(promo, spent, member)
    if promo.effect == "benefit" and promo.benefit_id is not None:
        asset = benefits.grant(
            session,
            business=business,
            member_id=member.id,
            benefit_id=promo.benefit_id,
            source=f"code:{promo.id}",
            at=at,
        )
        done.assets.append(asset)
        name = benefits.get(session, business_id=business.id, benefit_id=promo.benefit_id).name
        done.message = f"{name} is now in the member's wallet."
    else:
        applied = awards.fire(session, business=business, member=member, trigger="code_used", at=at, code=promo.code)
        done.points = applied.points
        done.assets = [
            found
            for asset_id in applied.granted_asset_ids
            if (found := scoped.get(session, Asset, asset_id, business_id=business.id))
        ]
        given = []
        if applied.points:
            given.append(f"{members.format_points(business, applied.points)} points")
        given += [f"{len(done.assets)} benefit(s)"] if done.assets else []
        done.message = (
            f"Code used: {' and '.join(given)} for the member."
            if given
            else "Code used; no active rule gives anything for it."
        )
    scoped.refresh(session, member, ["points_balance", "lifetime_points", "tags"])
    return done
