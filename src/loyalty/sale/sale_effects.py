"""What a sale changed beyond its points, and undoing it when the sale is taken back.

A sale over 100.00 granted a bonus, a benefit and a tag (which unlocked a 50% deal); returning every line kept the
benefit and the tag, and a cancel kept the tag and the tier. So a confirmation notes on its purchase the tags it
added (and by which rule) and the tier it lifted (`Purchase.effects`); taking the whole sale back (a cancel, or
returns that reach every unit) undoes its bonus points, its granted benefits still unused (used ones are reported
in `not_recovered`), those tags and that tier. A partial return rechecks the conditions on the sale itself
(`min_spend`, `contains`) of each rule that fired: a rule that no longer holds on what is left loses what it gave.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import rulebook
from loyalty.db import scoped
from loyalty.db.models import (
    Asset,
    Benefit,
    Business,
    LedgerEntry,
    LedgerTransaction,
    Member,
    Purchase,
    PurchaseLine,
    RuleUse,
)
from loyalty.errors import NotFound
from loyalty.members import tiers
from loyalty.money import currency_exponent, from_minor
from loyalty.sale import awards
from loyalty.wallet import ledger


@dataclass(frozen=True)
class Before:
    """The member as the sale found them."""

    tags: frozenset[str]  # as names compare (`engine.name_key`)
    tier: str | None
    tier_since: datetime | None


def before(member: Member | None) -> Before | None:
    if member is None:
        return None
    return Before(engine.name_keys(member.tags or ()), member.tier, member.tier_since)


def note(
    session: Session,
    *,
    business: Business,
    purchase_id: uuid.UUID,
    member: Member | None,
    found: Before | None,
    applied: awards.Applied,
) -> None:
    """Write on the purchase the tags the sale added (each with the rule that added it) and the tier it lifted."""
    if member is None or found is None:
        return
    now_keys = engine.name_keys(member.tags or ())
    tags_added: dict[str, str | None] = {}
    for outcome in applied.outcomes:
        for effect in outcome.effects:
            key = engine.name_key(effect.value)
            if effect.kind == "tag_member" and key not in found.tags and key in now_keys:
                tags_added[effect.value] = effect.rule_id
    lifted = member.tier != found.tier or member.tier_since != found.tier_since
    if not tags_added and not lifted:
        return
    effects: dict[str, Any] = {"tags_added": tags_added}
    if lifted:
        effects["tier_before"] = [found.tier, found.tier_since.isoformat() if found.tier_since else None]
        effects["tier_after"] = [member.tier, member.tier_since.isoformat() if member.tier_since else None]
    session.execute(
        update(Purchase)
        .where(Purchase.business_id == business.id, Purchase.id == purchase_id)
        .values(effects=effects)
        .execution_options(synchronize_session=False)
    )


# --- taking the whole sale back -------------------------------------------------------------------------------


def undo_whole(
    session: Session,
    *,
    business: Business,
    purchase: Purchase,
    lines: list[PurchaseLine],
    at: datetime,
    reason: str,
) -> tuple[int, int, list[dict[str, str]]]:
    """Undo all the sale gave that is not settled yet: its lines' points not yet returned, the points it earned
    outside its lines (a trigger code's, a lifetime bonus), its rules' uses, its granted benefits, its tags, its
    tier. (points due, of them not recovered, what could not be taken back)."""
    not_recovered = _withdraw(session, business, _granted(purchase))
    points_lost = due = 0
    if purchase.member_id is not None:
        # Settled once: points a return already settled (taken back or not recoverable) are not asked for again.
        due = sum(max(line.points_earned - line.points_returned, 0) for line in lines)
        for line in lines:
            line.points_returned = max(line.points_returned, line.points_earned)
        effects = dict(purchase.effects or {})
        outside = earned(session, purchase.id, business_id=business.id) - sum(line.points_earned for line in lines)
        extra = max(outside - int(effects.get("outside_settled", 0)), 0)
        due += extra
        effects["outside_settled"] = int(effects.get("outside_settled", 0)) + extra
        purchase.effects = effects
        if due > 0:
            points_lost = ledger.take_back(
                session,
                business=business,
                member_id=purchase.member_id,
                purchase_id=purchase.id,
                amount=due,
                reason=reason,
                at=at,
            )
        _reverse_uses(session, business, purchase, at)
        member = _member(session, business, purchase.member_id)
        _untag(member, effects.get("tags_added") or {})
        _lower_tier(session, business, member, effects, at)
    return due, points_lost, not_recovered


def earned(session: Session, purchase_id: uuid.UUID, *, business_id: uuid.UUID) -> int:
    """What the purchase's rules and codes put in the member's account when it was confirmed."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.business_id == business_id,
            LedgerEntry.business_id == business_id,
            LedgerTransaction.purchase_id == purchase_id,
            LedgerEntry.account == "member",
            LedgerTransaction.kind == "earn",
        )
    )
    return int(total or 0)


# --- a partial return -----------------------------------------------------------------------------------------


def recheck(
    session: Session, *, business: Business, purchase: Purchase, lines: list[PurchaseLine], at: datetime, reason: str
) -> tuple[int, int, list[dict[str, str]], list[dict[str, str]]]:
    """After a partial return: each rule that fired on the sale and whose conditions on the sale no longer hold on
    what is left loses what it gave. (points taken, points not recovered, rules undone, what could not be taken)."""
    if purchase.member_id is None:
        return 0, 0, [], []
    exponent = currency_exponent(business.currency)
    left_lines, discounts = _what_is_left(lines, exponent)
    member = _member(session, business, purchase.member_id)
    facts = awards.member_facts(session, member, engine.RuleIndex(()))
    context = awards.context(business)
    left = engine.Purchase(transaction_id=purchase.transaction_id, lines=tuple(left_lines))
    earned_on_lines = sum(line.points_earned for line in lines)
    still = sum(line.points_earned - line.points_returned for line in lines)
    taken = lost = 0
    undone: list[dict[str, str]] = []
    not_recovered: list[dict[str, str]] = []
    for use in _uses(session, business, purchase):
        try:
            stored = rulebook.stored(session, business_id=business.id, rule_id=use.rule_id, revision=use.revision)
        except NotFound:
            continue
        rule = rulebook.engine_rule(stored, business=business)
        why = engine.unmet_after_return(
            rule, left, facts, at=purchase.created_at, context=context, line_discounts=discounts
        )
        if why is None:
            continue
        use.reversed_at = at
        undone.append({"rule_id": str(use.rule_id), "name": rule.name, "reason": why})
        # The rule's points as the lines still hold them: returns take back every rule's share of a line alike.
        given = _rule_points(session, business, purchase, use.rule_id)
        due = int((Decimal(given) * still / earned_on_lines).to_integral_value(ROUND_FLOOR)) if earned_on_lines else 0
        due = _settle_on_lines(lines, due)
        still -= due
        if due > 0:
            missed = ledger.take_back(
                session,
                business=business,
                member_id=purchase.member_id,
                purchase_id=purchase.id,
                amount=due,
                reason=f"{reason}: {rule.name} {why}",
                at=at,
            )
            taken += due - missed
            lost += missed
        source = f"rule:{use.rule_id}@"
        not_recovered += _withdraw(
            session,
            business,
            [asset for asset in _granted(purchase) if _source(session, business, asset).startswith(source)],
        )
        effects = purchase.effects or {}
        _untag(
            member,
            {tag: rule_id for tag, rule_id in (effects.get("tags_added") or {}).items() if rule_id == str(use.rule_id)},
        )
    return taken, lost, undone, not_recovered


def _settle_on_lines(lines: list[PurchaseLine], due: int) -> int:
    """Mark `due` points of a rule as settled on the lines that still hold points, in proportion (the last line
    taking the remainder), so a later return of those lines does not ask for them again; what was marked."""
    holding = [line for line in lines if line.points_earned > line.points_returned]
    left = sum(line.points_earned - line.points_returned for line in holding)
    due = min(due, left)
    marked = 0
    for index, line in enumerate(holding):
        room = line.points_earned - line.points_returned
        share = min(room, due - marked if index == len(holding) - 1 else due * room // left)
        line.points_returned += share
        marked += share
    return marked


def _what_is_left(lines: list[PurchaseLine], exponent: int) -> tuple[list[engine.Line], dict[str, Decimal]]:
    """The sale's lines less what was returned: quantities, amounts and loyalty discounts in proportion."""
    left: list[engine.Line] = []
    discounts: dict[str, Decimal] = {}
    for line in sorted(lines, key=lambda row: row.position if row.position is not None else 0):
        quantity = Decimal(line.quantity)
        remaining = quantity - Decimal(line.returned_quantity)
        if remaining <= 0 or quantity <= 0:
            continue
        share = remaining / quantity
        amount = (from_minor(line.amount_minor, exponent) * share).quantize(Decimal(1).scaleb(-exponent))
        left.append(
            engine.Line(
                line_id=line.line_id,
                code=line.code,
                amount=amount,
                quantity=remaining,
                name=line.name,
                department=line.department or None,
                tags=tuple(line.tags or ()),
            )
        )
        discount = (from_minor(line.discount_minor, exponent) * share).quantize(Decimal(1).scaleb(-exponent))
        if discount:
            discounts[line.line_id] = discount
    return left, discounts


# --- the parts ------------------------------------------------------------------------------------------------


def _granted(purchase: Purchase) -> list[uuid.UUID]:
    return [uuid.UUID(asset_id) for asset_id in (purchase.response or {}).get("granted", [])]


def _source(session: Session, business: Business, asset_id: uuid.UUID) -> str:
    return session.scalar(select(Asset.source).where(Asset.business_id == business.id, Asset.id == asset_id)) or ""


def _withdraw(session: Session, business: Business, asset_ids: list[uuid.UUID]) -> list[dict[str, str]]:
    """Deactivate the benefits still unused; the ones already used are what could not be taken back."""
    missed: list[dict[str, str]] = []
    for asset_id in asset_ids:
        done = session.execute(
            update(Asset)
            .where(Asset.business_id == business.id, Asset.id == asset_id, Asset.status == "active")
            .values(status="deactivated")
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            continue
        row = session.execute(
            select(Asset.status, Benefit.name)
            .join(Benefit, (Benefit.business_id == Asset.business_id) & (Benefit.id == Asset.benefit_id))
            .where(Asset.business_id == business.id, Asset.id == asset_id)
        ).first()
        if row is not None and row.status == "redeemed":
            missed.append({"kind": "benefit", "id": str(asset_id), "name": row.name, "reason": "already used"})
    return missed


def _uses(session: Session, business: Business, purchase: Purchase) -> list[RuleUse]:
    return list(
        session.scalars(
            select(RuleUse).where(
                RuleUse.business_id == business.id, RuleUse.purchase_id == purchase.id, RuleUse.reversed_at.is_(None)
            )
        )
    )


def _reverse_uses(session: Session, business: Business, purchase: Purchase, at: datetime) -> None:
    session.execute(
        update(RuleUse)
        .where(RuleUse.business_id == business.id, RuleUse.purchase_id == purchase.id, RuleUse.reversed_at.is_(None))
        .values(reversed_at=at)
        .execution_options(synchronize_session=False)
    )


def _rule_points(session: Session, business: Business, purchase: Purchase, rule_id: uuid.UUID) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.business_id == business.id,
            LedgerEntry.business_id == business.id,
            LedgerTransaction.purchase_id == purchase.id,
            LedgerTransaction.rule_id == rule_id,
            LedgerTransaction.kind == "earn",
            LedgerEntry.account == "member",
        )
    )
    return int(total or 0)


def _member(session: Session, business: Business, member_id: uuid.UUID) -> Member:
    found = scoped.get(session, Member, member_id, business_id=business.id)
    assert found is not None
    return found


def _untag(member: Member, tags: dict[str, Any]) -> None:
    """Remove the tags the sale added (as names compare), unless they are gone already."""
    if not tags:
        return
    gone = engine.name_keys(tags)
    member.tags = [tag for tag in member.tags or () if engine.name_key(tag) not in gone]


def _lower_tier(session: Session, business: Business, member: Member, effects: dict[str, Any], at: datetime) -> None:
    """The tier the sale lifted goes back to what it was, if nothing lifted it since; then a tier the member still
    earns without the sale is reached again (`tiers.note`)."""
    after = effects.get("tier_after")
    before_tier = effects.get("tier_before")
    if not after or before_tier is None:
        return
    since = member.tier_since.isoformat() if member.tier_since else None
    if [member.tier, since] != list(after):
        return  # lifted again since: that tier is not this sale's
    member.tier = before_tier[0]
    member.tier_since = datetime.fromisoformat(before_tier[1]) if before_tier[1] else None
    session.flush()
    tiers.note(session, business=business, member=member, at=at)
