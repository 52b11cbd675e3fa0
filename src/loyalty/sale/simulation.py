"""Try a basket: what the active rules, or drafts, or both would give, and why each other rule would not fire.

Computed by the same engine as a purchase, lifetime thresholds chained round by round as a confirmation chains
them; nothing is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from loyalty import rules as engine
from loyalty.campaigns import rule_choice
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.engine import Database
from loyalty.db.models import Business, now
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.rules.facts import TriggerKind
from loyalty.sale import awards, purchases
from loyalty.wallet import punch_cards


@dataclass(frozen=True)
class Simulation:
    """What to try. `drafts`: the rules as sent (drafts, or {"id": …} for a stored rule), None for none."""

    trigger: TriggerKind = "purchase"
    sale: purchases.Sale | None = None
    drafts: object = None
    include_active: bool = False
    event: str | None = None
    code: str | None = None
    at: datetime | None = None
    branch_id: str | None = None
    member_tags: frozenset[str] | None = None
    member_lifetime_points: Decimal | None = None


@dataclass(frozen=True)
class Simulated:
    business: Business
    trigger: str
    at: datetime
    outcomes: list[engine.Outcome]  # the trigger's, then one per lifetime threshold its points crossed
    skipped: list[engine.Skipped]  # the rules that fired in no round, with the last reason given

    @property
    def points(self) -> Decimal:
        return sum((outcome.points for outcome in self.outcomes), Decimal(0))


def simulate(db: Database, who: Principal, asked: Simulation) -> Simulated:
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        at = asked.at or now()
        _check_trigger(asked)
        active = campaigns.active_rules(session, business=business)
        rules: list[engine.Rule] = []
        if isinstance(asked.drafts, list):
            # Drafts and stored rules ({"id": ...}, taken as active) tried together, as chosen in the page.
            rules = rule_choice.chosen(session, business=business, bodies=asked.drafts)
        if asked.drafts is None or asked.include_active:
            chosen_ids = {rule.id for rule in rules}
            rules = [*(rule for rule in active.rules if rule.id not in chosen_ids), *rules]

        facts = _facts(asked, business)
        member = engine.Member(id="simulated member")
        cards = punch_cards.active(session, business_id=business.id) if asked.trigger == "purchase" else []
        member_id = asked.sale.member_id if asked.sale else None
        if member_id is not None:
            found = members.get(session, business_id=business.id, member_id=member_id)
            member = awards.member_facts(session, found, active)  # drafts have no history to count
            if cards:
                punched = punch_cards.member_punches(session, business_id=business.id, member_id=found.id)
                member = dataclasses.replace(member, punches=punched)
    member = _as_told(member, asked)
    trigger = engine.Trigger(kind=asked.trigger, code=asked.code, event=asked.event, branch_id=asked.branch_id)
    if asked.trigger == "lifetime_points":
        trigger = engine.Trigger.lifetime_points(before=None)
    outcomes = _evaluate_like_a_purchase(facts, member, rules, at=at, business=business, trigger=trigger, cards=cards)
    fired = {(fired.rule_id, fired.revision) for outcome in outcomes for fired in outcome.fired}
    # A rule skipped in one round may fire in a later one (a lifetime threshold); the last word counts.
    skipped: dict[tuple[str | None, int | None], engine.Skipped] = {}
    for outcome in outcomes:
        for rule in outcome.skipped:
            skipped[(rule.rule_id, rule.revision)] = rule
    kept = [rule for key, rule in skipped.items() if key not in fired]
    return Simulated(business, asked.trigger, at, outcomes, kept)


def _check_trigger(asked: Simulation) -> None:
    if asked.trigger == "purchase" and asked.sale is None:
        raise InvalidInput("purchase", "is required to simulate the purchase trigger")
    if asked.trigger == "event" and asked.event is None:
        raise InvalidInput("event", "is required to simulate the event trigger: the event's name")
    if asked.trigger == "code_used" and asked.code is None:
        raise InvalidInput("code", "is required to simulate the code_used trigger: the promo code")


def _facts(asked: Simulation, business: Business) -> engine.Purchase | None:
    sale = asked.sale
    if sale is None:
        return None
    for field in ("benefits", "codes"):
        if getattr(sale, field):
            raise InvalidInput(f"purchase.{field}", "cannot be simulated here: try them with POST /v1/quotes")
    try:
        purchases.check_amounts(sale, business)
    except InvalidInput as error:
        raise InvalidInput(f"purchase.{error.field}", error.message.removeprefix(f"{error.field}: ")) from None
    return engine.Purchase(
        transaction_id=sale.transaction_id, lines=sale.lines, payments=sale.payments, branch_id=asked.branch_id
    )


def _as_told(member: engine.Member, asked: Simulation) -> engine.Member:
    """The member with the tags and lifetime points the simulation names instead of their own."""
    if asked.member_tags is None and asked.member_lifetime_points is None:
        return member
    return engine.Member(
        id=member.id,
        tags=asked.member_tags if asked.member_tags is not None else member.tags,
        lifetime_points=asked.member_lifetime_points
        if asked.member_lifetime_points is not None
        else member.lifetime_points,
        rule_uses=member.rule_uses,
        punches=member.punches,
    )


def _evaluate_like_a_purchase(
    purchase: engine.Purchase | None,
    member: engine.Member,
    rules: list[engine.Rule],
    *,
    at: datetime,
    business: Business,
    trigger: engine.Trigger,
    cards: list[engine.PunchCard] | None = None,
) -> list[engine.Outcome]:
    """The engine's outcome for the trigger, then the lifetime thresholds its points cross, round by round, as
    `awards.apply` chains them when the purchase is confirmed."""
    index = engine.RuleIndex(rules)
    context = awards.context(business)
    outcome = engine.evaluate(
        purchase, member, index, at=at, context=context, trigger=trigger, explain=True, punch_cards=cards or ()
    )
    outcomes = [outcome]
    while outcome.points > 0 and len(outcomes) < awards.MAX_LIFETIME_ROUNDS:
        before = member.lifetime_points
        member = _after(member, outcome, at)
        crossing = engine.Trigger.lifetime_points(before=before)
        outcome = engine.evaluate(None, member, index, at=at, context=context, trigger=crossing, explain=True)
        outcomes.append(outcome)
    return outcomes


def _after(member: engine.Member, outcome: engine.Outcome, at: datetime) -> engine.Member:
    """The member once `outcome` is applied: more lifetime points, the fired rules in their history, new tags."""
    uses: dict[str, Any] = {rule_id: tuple(times) for rule_id, times in member.rule_uses.items()}
    for fired in outcome.fired:
        if fired.rule_id is not None:
            uses[fired.rule_id] = (*uses.get(fired.rule_id, ()), at)
    return engine.Member(
        id=member.id,
        tags=(member.tags | outcome.tags_to_add) - outcome.tags_to_remove,
        lifetime_points=member.lifetime_points + outcome.points,
        rule_uses=uses,
    )
