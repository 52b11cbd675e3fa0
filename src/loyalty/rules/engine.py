"""`evaluate`: one pure function for quotes, confirmed purchases and the Campaign Center's "try a basket"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from loyalty.money import floor_points
from loyalty.rules.conditions import unmet_condition, unmet_on_basket
from loyalty.rules.discounts import Benefit, DiscountRequest, Discounts, apply_discounts
from loyalty.rules.facts import TRIGGERS, Context, Member, Purchase, Trigger, TriggerKind
from loyalty.rules.index import RuleIndex, evaluation_order
from loyalty.rules.limits import Limits, limit_reached
from loyalty.rules.message import Message, Moment, Number, Points, msg
from loyalty.rules.outcome import Award, Effect, FiredRule, Outcome, Skipped
from loyalty.rules.punches import Punch, PunchCard, count_punches
from loyalty.rules.rule import Rule
from loyalty.rules.runners import run_actions, why_nothing
from loyalty.rules.situation import Basket, Situation

__all__ = ["DEFAULT_CONTEXT", "crossed_lifetime_rules", "evaluate"]

DEFAULT_CONTEXT = Context()
_NO_DISCOUNTS: Mapping[str, Decimal] = {}
_NONE_APPLIED = Discounts()
# Each trigger named by its kind, built once (a Trigger is immutable).
_TRIGGERS: Mapping[str, Trigger] = {kind: Trigger(kind=kind) for kind in TRIGGERS}
# How often a limit allows a rule, as its reason says it ("already given once per week to this member").
_PER: Mapping[str, Message] = {
    "day": Message("per day"),
    "week": Message("per week"),
    "month": Message("per month"),
    "year": Message("per year"),
    "ever": Message("ever"),
}
# A rule's status as its reason says it ("is draft, not active"), said in the reader's words.
_STATUS: Mapping[str, Message] = {"draft": Message("draft"), "stopped": Message("stopped")}


def evaluate(
    purchase: Purchase | None,
    member: Member,
    rules: RuleIndex | Iterable[Rule],
    *,
    at: datetime,
    context: Context = DEFAULT_CONTEXT,
    trigger: Trigger | TriggerKind = "purchase",
    line_discounts: Mapping[str, Decimal] | None = None,
    explain: bool = False,
    requests: Sequence[DiscountRequest] = (),
    punch_cards: Sequence[PunchCard] = (),
    given: Discounts | None = None,
) -> Outcome:
    """What `member` earns and receives when `trigger` happens at `at` (an aware datetime).

    `purchase` is required for the purchase trigger and only read for it (its branch also counts for other
    triggers). `line_discounts` maps a line id to the loyalty discount on that line (`apply_discounts`);
    points are earned on what is left. `rules` is a RuleIndex (fast: only rules that could match are looked
    at) or any iterable of rules (all are checked); the outcome is the same. Only active rules of `trigger`
    inside their validity window fire, in order of rule id. With `explain`, `Outcome.skipped` says why each
    other rule of `trigger` did not fire.

    Deals (rules with a `discount` action) come first: those whose rule holds on the sale before loyalty
    discounts apply, in evaluation order, then `requests` (wallet benefits, then codes, as the till sent them),
    each on what the earlier ones left (`apply_discounts`). `Outcome.discounts` lists them, and every rule's
    points are earned on what they leave. A rule with a deal has fired when its deal applied or any other
    action of it gave something.

    `given`: the discounts the till already gave (a closed sale recorded as the till charged it): they stand in
    for the deals and `requests`, a deal rule that holds has fired when its deal is among them, and points are
    earned on what they leave.

    Active `punch_cards` count their punches on what the discounts leave (a line made free does not punch),
    from the member's punches on each open card (`Member.punches`); `Outcome.punches` says what the sale does.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime")
    occasion = trigger if isinstance(trigger, Trigger) else _TRIGGERS.get(trigger) or Trigger(kind=trigger)
    basket: Basket | None = None
    if occasion.kind == "purchase":
        if purchase is None:
            raise ValueError("the purchase trigger needs the purchase")
        basket = Basket(purchase, line_discounts or _NO_DISCOUNTS, context.currency_exponent)
    elif purchase is not None and occasion.branch_id is None:
        occasion = Trigger(
            kind=occasion.kind,
            code=occasion.code,
            event=occasion.event,
            lifetime_before=occasion.lifetime_before,
            branch_id=purchase.branch_id,
        )
    situation = Situation(basket, member, occasion, at, at.astimezone(context.timezone), context)

    candidates: Sequence[Rule]
    if isinstance(rules, RuleIndex):
        candidates = rules.rules if explain else rules.candidates(occasion, basket, member.lifetime_points)
    else:
        candidates = evaluation_order(rules)

    discounts = _NONE_APPLIED
    deal_reasons: dict[int, Message | None] = {}
    if basket is not None:
        assert purchase is not None
        if given is None:
            discounts, deal_reasons = _deals(candidates, situation, basket, requests, context.currency_exponent)
        else:
            discounts, deal_reasons = given, _deal_reasons(candidates, situation)
        if discounts.applied:
            pairs = zip(basket.lines, basket.net, strict=True)
            taken = {line.line_id: line.amount - net for line, net in pairs if net != line.amount}
            for line_id, amount in discounts.line_discounts.items():
                taken[line_id] = taken.get(line_id, Decimal(0)) + amount
            basket = Basket(purchase, taken, context.currency_exponent)
            situation = Situation(basket, member, occasion, at, situation.local_time, context)
    applied_deals = {discount.id for discount in discounts.applied if discount.source == "deal"}

    awards: list[Award] = []
    effects: list[Effect] = []
    fired: list[FiredRule] = []
    skipped: list[Skipped] = []
    kind = occasion.kind
    for rule in candidates:
        if rule.trigger != kind:
            continue
        has_deal = id(rule) in deal_reasons
        reason = deal_reasons[id(rule)] if has_deal else _why_not(rule, situation)
        if reason is None:
            results = run_actions(rule, situation)
            if results or (has_deal and any(deal_id in applied_deals for deal_id in _deal_ids(rule))):
                for result in results:
                    if isinstance(result, Award):
                        awards.append(result)
                    else:
                        effects.append(result)
                fired.append(rule.fired_record)
                continue
            reason = _one(tuple(dict.fromkeys(why_nothing(action, situation) for action in rule.actions)))
        if explain:
            skipped.append(Skipped(rule.id, rule.revision, rule.name, reason))

    punched: list[Punch] = []
    if basket is not None:
        for card in punch_cards:
            if card.status == "active":
                punch = count_punches(card, basket.lines, basket.net, before=member.punches.get(card.id or "", 0))
                if punch is not None:
                    punched.append(punch)

    total = sum([award.points for award in awards], Decimal(0))
    return Outcome(
        points=floor_points(total, context.points_decimals),
        awards=tuple(awards),
        effects=tuple(effects),
        fired=tuple(fired),
        skipped=tuple(skipped),
        discounts=discounts,
        punches=tuple(punched),
    )


def _deals(
    candidates: Sequence[Rule],
    situation: Situation,
    basket: Basket,
    requests: Sequence[DiscountRequest],
    exponent: int,
) -> tuple[Discounts, dict[int, Message | None]]:
    """The deals of the rules that hold on the sale before loyalty discounts, then `requests`, applied in that
    order; and, per rule carrying a deal (by `id()`), why it does not hold (None: it does)."""
    reasons: dict[int, Message | None] = {}
    deals: list[DiscountRequest] = []
    for rule in candidates:
        if not rule.deals or rule.trigger != "purchase":
            continue
        reason = _why_not(rule, situation)
        reasons[id(rule)] = reason
        if reason is not None:
            continue
        for deal_id, action in zip(_deal_ids(rule), rule.deals, strict=True):
            template = Benefit(
                name=rule.name,
                kind="discount",
                percent=action.percent,
                maximum=action.maximum,
                amount=action.amount,
                items=action.items,
            )
            deals.append(DiscountRequest(deal_id, "deal", rule.name, template, rule.names))
    if not deals and not requests:
        return _NONE_APPLIED, reasons
    # What earlier discounts (`line_discounts`) took is already off the lines the deals see.
    lines = tuple(
        line if net == line.amount else replace(line, amount=net)
        for line, net in zip(basket.lines, basket.net, strict=True)
    )
    return apply_discounts(lines, [*deals, *requests], currency_exponent=exponent), reasons


def _deal_reasons(candidates: Sequence[Rule], situation: Situation) -> dict[int, Message | None]:
    """Per rule carrying a deal (by `id()`), why it does not hold on the sale (None: it does)."""
    return {id(rule): _why_not(rule, situation) for rule in candidates if rule.deals and rule.trigger == "purchase"}


def _deal_ids(rule: Rule) -> list[str]:
    """The ids of a rule's deals in `discounts`: the rule's id, then `<id>#2`, `<id>#3` for further ones."""
    base = rule.id or rule.name
    return [base if n == 1 else f"{base}#{n}" for n in range(1, len(rule.deals) + 1)]


def _one(reasons: Sequence[Message]) -> Message:
    """Several reasons as one message: "a; b; c"."""
    said = reasons[0]
    for reason in reasons[1:]:
        said = msg("{first}; {second}", first=said, second=reason)
    return said


def _why_not(rule: Rule, situation: Situation) -> Message | None:
    """None when the rule may fire now, else why not."""
    if rule.unconditional:
        return None
    at = situation.at
    timezone = str(situation.context.timezone)
    if rule.status != "active":
        return msg("is {status}, not active", status=_STATUS.get(rule.status, rule.status))
    if rule.valid_from is not None and at < rule.valid_from:
        return msg("starts at {moment}", moment=Moment(rule.valid_from, timezone))
    if rule.valid_until is not None and at >= rule.valid_until:
        return msg("ended at {moment}", moment=Moment(rule.valid_until, timezone))
    if rule.trigger == "lifetime_points":
        reason = _not_crossed(rule, situation, bool(_uses(rule, situation)))
        if reason is not None:
            return reason
    reason = unmet_condition(rule.conditions, situation)
    if reason is not None:
        return reason
    limits = rule.limits
    if limits is not None and limit_reached(limits, _uses(rule, situation), at=at, timezone=situation.context.timezone):
        return _limit_reached(limits)
    return None


def _limit_reached(limits: Limits) -> Message:
    count = Number(Decimal(limits.per_member))
    times = Message("once") if limits.per_member == 1 else msg("{count} times", count=count)
    return msg("already given {times} {per} to this member", times=times, per=_PER[limits.period])


def _uses(rule: Rule, situation: Situation) -> tuple[datetime, ...]:
    """When the rule fired for the member before (any revision)."""
    return situation.member.rule_uses.get(rule.id, ()) if rule.id is not None else ()


def _not_crossed(rule: Rule, situation: Situation, used_before: bool) -> Message | None:
    """A lifetime_points rule fires once per member, when the member's lifetime points cross its threshold."""
    if used_before:
        return Message("already given to this member")
    threshold = rule.conditions.lifetime_points_at_least or Decimal(0)
    before = situation.trigger.lifetime_before
    if before is not None and before >= threshold:
        return msg("the member had already reached {points} lifetime points", points=Points(threshold, 2))
    return None


def crossed_lifetime_rules(
    rules: RuleIndex | Iterable[Rule],
    *,
    before: Decimal,
    after: Decimal,
) -> tuple[Rule, ...]:
    """The active lifetime_points rules whose threshold lies in (before, after]: those that a change from
    `before` to `after` lifetime points crosses. `evaluate` with `Trigger.lifetime_points(before=before)`
    awards them."""
    listed = rules.rules if isinstance(rules, RuleIndex) else evaluation_order(rules)
    return tuple(
        rule
        for rule in listed
        if rule.trigger == "lifetime_points"
        and rule.status == "active"
        and before < (rule.conditions.lifetime_points_at_least or Decimal(0)) <= after
    )


def unmet_after_return(
    rule: Rule,
    what_is_left: Purchase,
    member: Member,
    *,
    at: datetime,
    context: Context = DEFAULT_CONTEXT,
    line_discounts: Mapping[str, Decimal] | None = None,
) -> str | None:
    """Why `rule`, which fired on a sale, would not have fired on `what_is_left` of it after a return (its
    `min_spend` or `contains` no longer hold), or None when it still would."""
    basket = Basket(what_is_left, line_discounts or _NO_DISCOUNTS, context.currency_exponent)
    situation = Situation(basket, member, Trigger(kind="purchase"), at, at.astimezone(context.timezone), context)
    reason = unmet_on_basket(rule.conditions, situation)
    return reason.english() if reason is not None else None
