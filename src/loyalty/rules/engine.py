"""`evaluate`: one pure function for quotes, confirmed purchases and the Campaign Center's "try a basket"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from loyalty.money import floor_points
from loyalty.rules.actions import run_action, why_nothing
from loyalty.rules.facts import Context, Member, Purchase, Trigger, TriggerKind
from loyalty.rules.index import RuleIndex, evaluation_order
from loyalty.rules.limits import limit_reached
from loyalty.rules.outcome import Award, Effect, FiredRule, Outcome, Skipped
from loyalty.rules.rule import Rule
from loyalty.rules.selectors import unmet_condition
from loyalty.rules.situation import Basket, Situation
from loyalty.rules.wording import format_points

__all__ = ["DEFAULT_CONTEXT", "crossed_lifetime_rules", "evaluate"]

DEFAULT_CONTEXT = Context()
_NO_DISCOUNTS: Mapping[str, Decimal] = {}


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
) -> Outcome:
    """What `member` earns and receives when `trigger` happens at `at` (an aware datetime).

    `purchase` is required for the purchase trigger and only read for it (its branch also counts for other
    triggers). `line_discounts` maps a line id to the loyalty discount on that line (`apply_discounts`);
    points are earned on what is left. `rules` is a RuleIndex (fast: only rules that could match are looked
    at) or any iterable of rules (all are checked); the outcome is the same. Only active rules of `trigger`
    inside their validity window fire, in order of rule id. With `explain`, `Outcome.skipped` says why each
    other rule of `trigger` did not fire.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be an aware datetime")
    occasion = trigger if isinstance(trigger, Trigger) else Trigger(kind=trigger)
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

    awards: list[Award] = []
    effects: list[Effect] = []
    fired: list[FiredRule] = []
    skipped: list[Skipped] = []
    for rule in candidates:
        if rule.trigger != occasion.kind:
            continue
        reason = _why_not(rule, situation)
        if reason is None:
            results = [run_action(action, i, rule, situation) for i, action in enumerate(rule.actions)]
            if any(result is not None for result in results):
                for result in results:
                    if isinstance(result, Award):
                        awards.append(result)
                    elif isinstance(result, Effect):
                        effects.append(result)
                fired.append(FiredRule(rule.id, rule.revision, rule.name))
                continue
            reason = "; ".join(dict.fromkeys(why_nothing(action, situation) for action in rule.actions))
        if explain:
            skipped.append(Skipped(rule.id, rule.revision, rule.name, reason))

    total = sum((award.points for award in awards), Decimal(0))
    return Outcome(
        points=floor_points(total, context.points_decimals),
        awards=tuple(awards),
        effects=tuple(effects),
        fired=tuple(fired),
        skipped=tuple(skipped),
    )


def _why_not(rule: Rule, situation: Situation) -> str | None:
    """None when the rule may fire now, else why not."""
    at = situation.at
    if rule.status != "active":
        return f"is {rule.status}, not active"
    if rule.valid_from is not None and at < rule.valid_from:
        return f"starts at {rule.valid_from.isoformat()}"
    if rule.valid_until is not None and at >= rule.valid_until:
        return f"ended at {rule.valid_until.isoformat()}"
    uses = situation.member.rule_uses.get(rule.id, ()) if rule.id is not None else ()
    if rule.trigger == "lifetime_points":
        reason = _not_crossed(rule, situation, bool(uses))
        if reason is not None:
            return reason
    reason = unmet_condition(rule.conditions, situation)
    if reason is not None:
        return reason
    timezone = situation.context.timezone
    if rule.limits is not None and limit_reached(rule.limits, uses, at=at, timezone=timezone):
        times = "once" if rule.limits.per_member == 1 else f"{rule.limits.per_member} times"
        per = "ever" if rule.limits.period == "ever" else f"per {rule.limits.period}"
        return f"already given {times} {per} to this member"
    return None


def _not_crossed(rule: Rule, situation: Situation, used_before: bool) -> str | None:
    """A lifetime_points rule fires once per member, when the member's lifetime points cross its threshold."""
    if used_before:
        return "already given to this member"
    threshold = rule.conditions.lifetime_points_at_least or Decimal(0)
    before = situation.trigger.lifetime_before
    if before is not None and before >= threshold:
        return f"the member had already reached {format_points(threshold, 2)} lifetime points"
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
