"""Rules firing for a member: evaluate with the engine, then apply the Outcome in the caller's transaction.

Applying means: each award becomes one ledger transaction linked to its rule revision (and purchase), each
fired rule is noted for its per-member limits, granted benefits go to the wallet, tags change. When earning
lifts the member's lifetime points over a `lifetime_points` threshold, those rules fire too, once.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.ids import new_id
from loyalty.db.models import Business, Member, RuleUse
from loyalty.db.rows import insert_rows
from loyalty.errors import Conflict, NotFound
from loyalty.members import tiers
from loyalty.money import currency_exponent, hundredths_to_points, points_to_hundredths
from loyalty.rules.facts import TriggerKind
from loyalty.wallet import ledger

log = logging.getLogger("loyalty.sale.awards")

# Lifetime thresholds can cascade (a lifetime bonus crossing the next threshold); this bounds the chain.
MAX_LIFETIME_ROUNDS = 10


@dataclass
class Applied:
    """What applying outcomes changed: every outcome, the ledger transactions, the wallet entries granted."""

    outcomes: list[engine.Outcome] = field(default_factory=list)
    points: int = 0  # hundredths
    granted_asset_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def awards(self) -> list[engine.Award]:
        return [award for outcome in self.outcomes for award in outcome.awards]


def context(business: Business) -> engine.Context:
    return _context(business.points_decimals, business.currency, business.timezone)


@functools.lru_cache(maxsize=256)
def _context(points_decimals: int, currency: str, timezone: str) -> engine.Context:
    """One engine context per set of settings (immutable, so shared): not built again for every sale."""
    return engine.Context(
        points_decimals=points_decimals, currency_exponent=currency_exponent(currency), timezone=ZoneInfo(timezone)
    )


def member_facts(
    session: Session,
    member: Member,
    index: engine.RuleIndex,
    *,
    business: Business | None = None,
    at: datetime | None = None,
) -> engine.Member:
    """The member as the engine sees them, with the firings that limited rules count (and the tier, when a rule
    asks for one)."""
    uses: dict[str, list[datetime]] = {}
    if index.counted_rule_ids:
        limited = [uuid.UUID(rule_id) for rule_id in index.counted_rule_ids]
        query = select(RuleUse.rule_id, RuleUse.at).where(
            RuleUse.business_id == member.business_id,
            RuleUse.member_id == member.id,
            RuleUse.rule_id.in_(limited),
            RuleUse.reversed_at.is_(None),
        )
        for rule_id, used_at in session.execute(query):
            uses.setdefault(str(rule_id), []).append(used_at)
    return engine.Member(
        id=str(member.id),
        tags=frozenset(member.tags or ()),
        lifetime_points=hundredths_to_points(member.lifetime_points),
        rule_uses={rule_id: tuple(times) for rule_id, times in uses.items()},
        tier=_tier(session, member, index, business, at),
    )


def _tier(
    session: Session, member: Member, index: engine.RuleIndex, business: Business | None, at: datetime | None
) -> str | None:
    if business is None or at is None or not index.asks_tier:
        return None  # no rule asks: the window's sum is not worth reading
    return tiers.name_at(session, business=business, member=member, at=at)


def evaluate(
    session: Session,
    *,
    business: Business,
    member: Member,
    trigger: engine.Trigger,
    at: datetime,
    purchase: engine.Purchase | None = None,
    line_discounts: Mapping[str, Decimal] | None = None,
    explain: bool = False,
    requests: Sequence[engine.DiscountRequest] = (),
    given: engine.Discounts | None = None,
) -> engine.Outcome:
    """What the business's active rules give `member` for `trigger`; writes nothing. `requests` (wallet
    benefits and codes) apply after the member's deals, and points are earned on what is left."""
    index = campaigns.active_rules(session, business=business)
    facts = member_facts(session, member, index, business=business, at=at)
    punch_cards: list[engine.PunchCard] = []
    if trigger.kind == "purchase":
        from loyalty.wallet import punch_cards as cards  # punch cards grant rewards through the wallet, as benefits do

        punch_cards = cards.active_for(session, business=business)
        if punch_cards:
            facts = replace(facts, punches=cards.member_punches(session, business_id=business.id, member_id=member.id))
    return engine.evaluate(
        purchase,
        facts,
        index,
        at=at,
        context=context(business),
        trigger=trigger,
        line_discounts=line_discounts,
        explain=explain,
        requests=requests,
        punch_cards=punch_cards,
        given=given,
    )


def apply(
    session: Session,
    *,
    business: Business,
    member: Member,
    outcome: engine.Outcome,
    at: datetime,
    purchase_id: uuid.UUID | None = None,
    applied: Applied | None = None,
) -> Applied:
    """Write `outcome` for `member`, then fire any lifetime thresholds it crossed."""
    from loyalty.wallet import (
        benefits,  # the wallet; imported late because it uses this module for rule-granted benefits
    )

    applied = applied or Applied()
    if member.status != "active":
        return applied  # one rule for every trigger: a blocked or pending member earns and receives nothing
    applied.outcomes.append(outcome)
    lifetime_before = member.lifetime_points
    postings = [
        (
            points_to_hundredths(award.points),
            ledger.Cause(
                purchase_id=purchase_id,
                rule_id=_uuid(award.rule_id),
                rule_revision=award.revision,
                reason=award.explanation,
                message=award.message,
            ),
        )
        for award in outcome.awards
    ]
    ledger.post_many(session, business=business, member_id=member.id, kind="earn", postings=postings, at=at)
    applied.points += sum(amount for amount, _ in postings)
    if any(amount > 0 for amount, _ in postings):
        tiers.note(session, business=business, member=member, at=at)
    uses = [
        {
            "id": new_id(),
            "business_id": business.id,
            "rule_id": uuid.UUID(fired.rule_id),
            "revision": fired.revision or 1,
            "member_id": member.id,
            "purchase_id": purchase_id,
            "at": at,
            "reversed_at": None,
        }
        for fired in outcome.fired
        if fired.rule_id
    ]
    if uses:
        insert_rows(session, RuleUse, uses)  # one statement for every rule that fired
    for effect in outcome.effects:
        if effect.kind == "grant_benefit":
            try:
                asset = benefits.grant(
                    session,
                    business=business,
                    member_id=member.id,
                    benefit_id=uuid.UUID(effect.value),
                    source=f"rule:{effect.rule_id}@{effect.revision}",
                    at=at,
                )
            except (ValueError, NotFound, Conflict):
                # A benefit since deactivated (or named by a rule saved before ids were checked): the rule gives
                # the rest, and the registration or sale that fired it goes on.
                log.warning("a rule's benefit cannot be granted", extra={"rule": effect.rule_id})
                continue
            applied.granted_asset_ids.append(asset.id)
    if outcome.tags_to_add or outcome.tags_to_remove:
        # Tags compare as names do ("vip" removes "VIP"); a tag already there in another spelling is kept as is.
        removed = engine.name_keys(outcome.tags_to_remove)
        kept = [tag for tag in member.tags or () if engine.name_key(tag) not in removed]
        present = engine.name_keys(kept)
        member.tags = sorted({*kept, *(tag for tag in outcome.tags_to_add if engine.name_key(tag) not in present)})
    if member.lifetime_points > lifetime_before and len(applied.outcomes) < MAX_LIFETIME_ROUNDS:
        crossing = engine.Trigger.lifetime_points(before=hundredths_to_points(lifetime_before))
        # No threshold crossed (most programmes have none): nothing to evaluate, and the member's facts unread.
        crossed = campaigns.active_rules(session, business=business).candidates(
            crossing, None, hundredths_to_points(member.lifetime_points)
        )
        more = evaluate(session, business=business, member=member, trigger=crossing, at=at) if crossed else None
        if more is not None and more.fired:
            apply(
                session, business=business, member=member, outcome=more, at=at, purchase_id=purchase_id, applied=applied
            )
    return applied


def fire(
    session: Session,
    *,
    business: Business,
    member: Member,
    trigger: engine.Trigger | str,
    at: datetime,
    code: str | None = None,
    event: str | None = None,
    purchase: engine.Purchase | None = None,
    line_discounts: Mapping[str, Decimal] | None = None,
    purchase_id: uuid.UUID | None = None,
) -> Applied:
    """Evaluate the rules for `trigger` ("joined", "code_used" with `code`, "event" with `event`, or an
    engine Trigger) and apply what they give, in the caller's transaction."""
    occasion = (
        trigger
        if isinstance(trigger, engine.Trigger)
        else engine.Trigger(kind=cast(TriggerKind, trigger), code=code, event=event)
    )
    outcome = evaluate(
        session,
        business=business,
        member=member,
        trigger=occasion,
        at=at,
        purchase=purchase,
        line_discounts=line_discounts,
    )
    return apply(session, business=business, member=member, outcome=outcome, at=at, purchase_id=purchase_id)


def _uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
