"""Tiers: a member's tier is the highest whose threshold the points they earned in the business's tier window
reach (earnings less what returns took back), and once reached it is kept until that window since reaching it
ends, so a single return inside it never drops a member.

The tier reached is written on the member when an earning reaches it (`note`); a read as of now takes the higher
of that kept tier and the one the window gives now, so it is right whether or not anything was written since.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import programme
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member, Tier
from loyalty.errors import InvalidInput
from loyalty.members.views import MemberView
from loyalty.money import points_to_hundredths
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event

LIFETIME_KINDS = ("earn", "unearn")  # as the ledger counts lifetime points
MAX_TIERS = 20


@dataclass(frozen=True)
class Standing:
    name: str | None
    earned: int  # hundredths earned in the window
    next_name: str | None
    next_threshold: int | None  # hundredths
    kept_until: datetime | None


def tiers(session: Session, *, business_id: uuid.UUID) -> list[Tier]:
    """The business's tiers, lowest threshold first."""
    return list(session.scalars(_tiers(), {"business": business_id}))


@functools.cache
def _tiers() -> Any:
    """`tiers`' statement, built once: every answer about a member (a till's identify) reads the ladder."""
    return select(Tier).where(Tier.business_id == bindparam("business")).order_by(Tier.threshold)


def replace(session: Session, *, business: Business, bodies: Sequence[tuple[object, object]], actor: str) -> list[Tier]:
    """Make the business's tiers exactly `bodies` ((name, threshold) pairs); an empty list removes them all."""
    if len(bodies) > MAX_TIERS:
        raise InvalidInput("tiers", f"at most {MAX_TIERS} tiers")
    made: list[tuple[str, int]] = []
    for index, (raw_name, raw_threshold) in enumerate(bodies):
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        if not name or len(name) > 100:
            raise InvalidInput(f"{index}.name", "must be a name of 1 to 100 characters")
        if any(name.casefold() == other.casefold() for other, _ in made):
            raise InvalidInput(f"{index}.name", f"{name!r} is listed twice (names ignore case)")
        threshold = _threshold(business, raw_threshold, f"{index}.threshold")
        if any(threshold == other for _, other in made):
            raise InvalidInput(f"{index}.threshold", "two tiers cannot have the same threshold")
        made.append((name, threshold))
    session.execute(delete(Tier).where(Tier.business_id == business.id))
    rows = [Tier(business_id=business.id, name=name, threshold=threshold) for name, threshold in made]
    session.add_all(rows)
    session.flush()
    programme.changed(session, business)
    record(
        session,
        business.id,
        actor=actor,
        action="tiers.replace",
        obj=business,
        details={"tiers": [[name, threshold] for name, threshold in made]},
    )
    return sorted(rows, key=lambda tier: tier.threshold)


def _threshold(business: Business, raw: object, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise InvalidInput(field, 'must be a number of points, like "500"')
    try:
        # A JSON number arrives as a float: its shortest spelling is what the client wrote.
        value = Decimal(raw.strip() if isinstance(raw, str) else str(raw) if isinstance(raw, float) else raw)
    except InvalidOperation:
        raise InvalidInput(field, 'must be a number of points, like "500"') from None
    if not value.is_finite() or value <= 0 or value >= Decimal(10) ** 12:
        raise InvalidInput(field, "must be more than 0 and less than 10^12 points")
    if value != value.quantize(Decimal(1).scaleb(-business.points_decimals)):
        raise InvalidInput(field, f"has more decimals than the business's {business.points_decimals}")
    return points_to_hundredths(value)


def earned_in_window(session: Session, *, business: Business, member_id: uuid.UUID, at: datetime) -> int:
    """Hundredths earned (less taken back) in the tier window that ends at `at`."""
    since = at - timedelta(days=business.tier_window_days)
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(
            LedgerTransaction,
            (LedgerTransaction.business_id == LedgerEntry.business_id)
            & (LedgerTransaction.id == LedgerEntry.transaction_id),
        )
        .where(
            LedgerEntry.business_id == business.id,
            LedgerTransaction.member_id == member_id,
            LedgerTransaction.created_at > since,
            LedgerTransaction.created_at <= at,
            LedgerTransaction.kind.in_(LIFETIME_KINDS),
            LedgerEntry.account == "member",
        )
    )
    return int(total or 0)


def standing(
    session: Session,
    *,
    business: Business,
    member: Member | MemberView,
    at: datetime,
    ladder: Sequence[Rung] | None = None,
) -> Standing | None:
    """The member's tier now and the next one; None when the business has no tiers."""
    ladder = rungs(session, business=business) if ladder is None else ladder
    if not ladder:
        return None
    earned = earned_in_window(session, business=business, member_id=member.id, at=at)
    rank = _rank(ladder, earned)
    kept_until = None
    kept = _kept(business, member, ladder, at)
    if kept is not None and kept >= rank:
        rank = kept
        assert member.tier_since is not None
        kept_until = member.tier_since + timedelta(days=business.tier_window_days)
    above = ladder[rank + 1] if rank + 1 < len(ladder) else None
    return Standing(
        name=ladder[rank].name if rank >= 0 else None,
        earned=earned,
        next_name=above.name if above else None,
        next_threshold=above.threshold if above else None,
        kept_until=kept_until,
    )


def note(session: Session, *, business: Business, member: Member, at: datetime) -> None:
    """After an earning: a tier reached now (higher than the one kept, or when that one has run out) is written
    on the member with the moment it was reached."""
    ladder = rungs(session, business=business)
    if not ladder:
        return
    rank = _rank(ladder, earned_in_window(session, business=business, member_id=member.id, at=at))
    kept = _kept(business, member, ladder, at)
    if rank >= 0 and (kept is None or rank > kept):
        record_event(session, business.id, "tier.changed", payloads.tier(member, ladder[rank].name))
        member.tier = ladder[rank].name
        member.tier_since = at


@dataclass(frozen=True)
class Rung:
    """A tier as the ladder needs it: its name and the hundredths earned in the window that reach it."""

    name: str
    threshold: int


# The business's ladder, per rules version (which moves when the tiers change): most earnings and every answer
# about a member (a till's identify) need it, and it changes rarely.
_ladders: dict[uuid.UUID, tuple[int, tuple[Rung, ...]]] = {}


def rungs(session: Session, *, business: Business) -> tuple[Rung, ...]:
    """The business's tiers, lowest threshold first, kept per process until they change."""

    def read() -> tuple[Rung, ...]:
        return tuple(Rung(tier.name, tier.threshold) for tier in tiers(session, business_id=business.id))

    found: tuple[Rung, ...] = programme.cached_for(_ladders, session, business, read)
    return found


def name_at(session: Session, *, business: Business, member: Member, at: datetime) -> str | None:
    found = standing(session, business=business, member=member, at=at)
    return found.name if found else None


def _rank(ladder: Sequence[Rung], earned: int) -> int:
    reached = -1
    for index, tier in enumerate(ladder):
        if earned >= tier.threshold:
            reached = index
    return reached


def _kept(business: Business, member: Member | MemberView, ladder: Sequence[Rung], at: datetime) -> int | None:
    """The rank of the tier written on the member while its window lasts (None once it ran out or was removed)."""
    if member.tier is None or member.tier_since is None:
        return None
    if member.tier_since + timedelta(days=business.tier_window_days) <= at:
        return None
    for index, tier in enumerate(ladder):
        if tier.name.casefold() == member.tier.casefold():
            return index
    return None
