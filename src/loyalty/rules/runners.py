"""How each action runs when its rule fires on a situation: the award or effect it gives, or why it gave none.

Every `add_points` action's points are rounded down (ROUND_FLOOR) to the business's points precision, and are
spread over the lines that earned them so a return can take back exactly what those lines brought.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import Any, Final

from loyalty.money import allocate, floor_points
from loyalty.rules.actions import (
    Action,
    DealDiscount,
    FixedPoints,
    GrantBenefit,
    PercentPoints,
    RatePoints,
    RepeatPoints,
    TagMember,
    UntagMember,
    earned_on,
    what_counted,
)
from loyalty.rules.outcome import Award, Effect, EffectKind, LineShare
from loyalty.rules.rule import Rule
from loyalty.rules.situation import Basket, Situation
from loyalty.rules.wording import format_money, format_number, format_points, join_or, points_word

__all__ = ["run_actions", "why_nothing"]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)


def run_actions(rule: Rule, situation: Situation) -> list[Award | Effect]:
    """The awards and effects of the rule's actions, in order; actions that earn nothing on this occasion give
    none."""
    results: list[Award | Effect] = []
    for index, action in enumerate(rule.actions):
        result = _RUNNERS[type(action)](action, index, rule, situation)
        if result is not None:
            results.append(result)
    return results


def why_nothing(action: Action, situation: Situation) -> str:
    """Why an action earned nothing, for `evaluate(..., explain=True)`."""
    basket = situation.basket
    if isinstance(action, DealDiscount):
        return "the deal does not apply to this sale"
    if isinstance(action, (FixedPoints, GrantBenefit, TagMember, UntagMember)) or basket is None:
        return "gives less than the smallest point"
    lines = basket.eligible(action.items, action.exclude_items)
    if not lines:
        return f"no item in this sale counts for {what_counted(action.items, action.exclude_items)}"
    if isinstance(action, RepeatPoints):
        quantity = sum((basket.lines[i].quantity for i in lines), Decimal(0))
        what = what_counted(action.items, action.exclude_items)
        return f"needs {format_number(action.every)} {what} (this sale has {format_number(quantity)})"
    spend = basket.included(action.exclude_mops)
    if spend.limited and not spend.included:
        return f"everything was paid with {join_or(spend.excluded_mops)}, which does not earn"
    exponent = situation.context.currency_exponent
    eligible = sum((spend.shares[i] for i in lines), Decimal(0))
    shown, on = format_money(eligible, exponent), earned_on(action.items, action.exclude_items)
    if isinstance(action, RatePoints) and eligible < action.per:
        return f"needs {format_money(action.per, exponent)}{on} (this sale has {shown})"
    return f"earns less than the smallest point on {shown}{on}"


def _grant(action: GrantBenefit, index: int, rule: Rule, situation: Situation) -> Effect:
    return _effect(rule, index, "grant_benefit", action.benefit_id, f"grants benefit {action.benefit_id}")


def _tag(action: TagMember, index: int, rule: Rule, situation: Situation) -> Effect:
    return _effect(rule, index, "tag_member", action.tag, f"tags the member {action.tag}")


def _untag(action: UntagMember, index: int, rule: Rule, situation: Situation) -> Effect:
    return _effect(rule, index, "untag_member", action.tag, f"removes the member's tag {action.tag}")


def _deal(action: DealDiscount, index: int, rule: Rule, situation: Situation) -> None:
    return None  # applied by `evaluate` before any points are counted


def _fixed(action: FixedPoints, index: int, rule: Rule, situation: Situation) -> Award | None:
    points = floor_points(action.points, situation.context.points_decimals)
    if points <= _ZERO:
        return None
    basket = situation.basket
    shares: tuple[LineShare, ...] = ()
    if basket is not None and basket.lines:
        # Spread over the whole sale by amount, so returning every line takes the bonus back.
        shares = _spread(points, basket.everything, basket.net, "net", basket, situation)
    says = f"{format_points(points, situation.context.points_decimals)} {points_word(points)}"
    explanation = f"{rule.name}: {says} for {_occasion(rule, situation)}"
    return Award(rule.id, rule.revision, rule.name, index, points, shares, explanation)


def _repeat(action: RepeatPoints, index: int, rule: Rule, situation: Situation) -> Award | None:
    basket = situation.basket
    if basket is None:
        return None  # repeat, rate and percent need a sale; parse_rule refuses them on other triggers
    lines = basket.eligible(action.items, action.exclude_items)
    quantities = basket.quantities
    quantity = sum([quantities[i] for i in lines], _ZERO)
    times = quantity // action.every  # exact for Decimals: the whole number of `every` in the quantity
    decimals = situation.context.points_decimals
    points = floor_points(times * action.points, decimals)
    if points <= _ZERO:
        return None
    shares = _spread(points, lines, quantities, "quantity", basket, situation)
    wording = action.wording
    each, word, what = wording.number, wording.word, wording.what
    total = format_points(points, decimals)
    if action.every == 1 and quantity == times:
        explanation = f"{each} {word} × {format_number(quantity)} {what} = {total}"
    else:
        explanation = (
            f"{each} {word} per {format_number(action.every)} {what}: "
            f"{format_number(quantity)} → {format_number(times)} × {each} = {total}"
        )
    return Award(rule.id, rule.revision, rule.name, index, points, shares, explanation)


def _spend(action: RatePoints | PercentPoints, index: int, rule: Rule, situation: Situation) -> Award | None:
    basket = situation.basket
    if basket is None:
        return None  # repeat, rate and percent need a sale; parse_rule refuses them on other triggers
    lines = basket.eligible(action.items, action.exclude_items)
    if not lines:
        return None
    spend = basket.included(action.exclude_mops)
    if lines is basket.everything:
        eligible = spend.whole_sale
    else:
        included = spend.shares
        eligible = sum([included[i] for i in lines], _ZERO)
    decimals = situation.context.points_decimals
    if isinstance(action, RatePoints):
        times = eligible // action.per  # exact: whole `per`s in the eligible spend
        points = floor_points(times * action.points, decimals)
    else:
        points = floor_points((eligible * action.percent) / _HUNDRED, decimals)
    if points <= _ZERO:
        return None
    shares = _spread(points, lines, spend.shares, action.exclude_mops, basket, situation)
    exponent, wording = situation.context.currency_exponent, action.wording
    paid, note = f"{format_money(eligible, exponent)}{spend.paid_in}", spend.excluded_note
    total = format_points(points, decimals)
    if isinstance(action, RatePoints):
        each = wording.number
        explanation = (
            f"{each} {wording.word} per {format_money(action.per, exponent)}{wording.on}: "
            f"{paid}{note} → {format_number(times)} × {each} = {total}"
        )
    else:
        explanation = f"{wording.number}% of {paid}{wording.on}{note} = {total}"
    return Award(rule.id, rule.revision, rule.name, index, points, shares, explanation)


# Each kind of action's runner, looked up by the action's class.
_RUNNERS: Final[dict[type, Callable[[Any, int, Rule, Situation], Award | Effect | None]]] = {
    GrantBenefit: _grant,
    TagMember: _tag,
    UntagMember: _untag,
    FixedPoints: _fixed,
    DealDiscount: _deal,
    RepeatPoints: _repeat,
    RatePoints: _spend,
    PercentPoints: _spend,
}


def _spread(
    points: Decimal,
    lines: Sequence[int],
    weights: Sequence[Decimal],
    basis: Hashable,
    basket: Basket,
    situation: Situation,
) -> tuple[LineShare, ...]:
    """The award over `lines`, in proportion to `weights[line]`; lines whose share is zero are left out.

    `basis` names the weights (line amounts, quantities, or the included shares of a set of excluded MOPs):
    rules that give the same points over the same lines on the same basis share one computation.
    """
    if len(lines) == 1:  # most rules select one line: nothing to split
        return (LineShare(basket.lines[lines[0]].line_id, points),)
    key = (basis, points, tuple(lines))
    cached = basket.spreads.get(key)
    if cached is None:
        amounts = allocate(points, [weights[i] for i in lines], situation.context.points_decimals)
        pairs = zip(lines, amounts, strict=True)
        cached = tuple(LineShare(basket.lines[i].line_id, amount) for i, amount in pairs if amount)
        basket.spreads[key] = cached
    return cached


def _effect(rule: Rule, index: int, kind: EffectKind, value: str, says: str) -> Effect:
    return Effect(kind, value, rule.id, rule.revision, index, f"{rule.name}: {says}")


def _occasion(rule: Rule, situation: Situation) -> str:
    trigger = situation.trigger
    if trigger.kind == "joined":
        return "joining"
    if trigger.kind == "lifetime_points":
        threshold = rule.conditions.lifetime_points_at_least or Decimal(0)
        return f"reaching {format_points(threshold, 2)} lifetime points"
    if trigger.kind == "code_used":
        return f"using code {rule.conditions.code or trigger.code}"
    if trigger.kind == "event":
        return f"the event {trigger.event}"
    if rule.conditions.min_spend is not None:
        minimum = format_money(rule.conditions.min_spend, situation.context.currency_exponent)
        return f"a purchase of at least {minimum}"
    return "this purchase"
