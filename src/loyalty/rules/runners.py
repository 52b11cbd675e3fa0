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
    points_word,
    what_counted,
)
from loyalty.rules.message import Amount, Message, Names, Number, Points, msg, named
from loyalty.rules.outcome import Award, Effect, EffectKind, LineShare
from loyalty.rules.rule import Rule
from loyalty.rules.situation import Basket, Situation

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


def why_nothing(action: Action, situation: Situation) -> Message:
    """Why an action earned nothing, for `evaluate(..., explain=True)`."""
    basket = situation.basket
    if isinstance(action, DealDiscount):
        return Message("the deal does not apply to this sale")
    if isinstance(action, (FixedPoints, GrantBenefit, TagMember, UntagMember)) or basket is None:
        return Message("gives less than the smallest point")
    lines = basket.eligible(action.items, action.exclude_items)
    if not lines:
        return msg("no item in this sale counts for {what}", what=what_counted(action.items, action.exclude_items))
    if isinstance(action, RepeatPoints):
        quantity = sum((basket.lines[i].quantity for i in lines), Decimal(0))
        return msg(
            "needs {every} {what} (this sale has {quantity})",
            every=Number(action.every),
            what=what_counted(action.items, action.exclude_items),
            quantity=Number(quantity),
        )
    spend = basket.included(action.exclude_mops)
    if spend.limited and not spend.included:
        mops = Names(tuple(sorted(spend.excluded_mops)))
        return msg("everything was paid with {mops}, which does not earn", mops=mops)
    exponent = situation.context.currency_exponent
    eligible = sum((spend.shares[i] for i in lines), Decimal(0))
    shown, on = Amount(eligible, exponent), earned_on(action.items, action.exclude_items)
    if isinstance(action, RatePoints) and eligible < action.per:
        return msg("needs {per}{on} (this sale has {shown})", per=Amount(action.per, exponent), on=on, shown=shown)
    return msg("earns less than the smallest point on {shown}{on}", shown=shown, on=on)


def _grant(action: GrantBenefit, index: int, rule: Rule, situation: Situation) -> Effect:
    says = msg("grants benefit {benefit}", benefit=action.benefit_id)
    return _effect(rule, index, "grant_benefit", action.benefit_id, says)


def _tag(action: TagMember, index: int, rule: Rule, situation: Situation) -> Effect:
    return _effect(rule, index, "tag_member", action.tag, msg("tags the member {tag}", tag=action.tag))


def _untag(action: UntagMember, index: int, rule: Rule, situation: Situation) -> Effect:
    return _effect(rule, index, "untag_member", action.tag, msg("removes the member's tag {tag}", tag=action.tag))


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
    says = msg(
        "{points} {word} for {occasion}",
        points=Points(points, situation.context.points_decimals),
        word=points_word(points),
        occasion=_occasion(rule, situation),
    )
    message = msg("{rule}: {says}", rule=named(rule.name, rule.names), says=says)
    return _award(rule, index, points, shares, message)


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
    total = Points(points, decimals)
    if action.every == 1 and quantity == times:
        message = msg(
            "{each} {word} × {quantity} {what} = {total}",
            each=each,
            word=word,
            quantity=Number(quantity),
            what=what,
            total=total,
        )
    else:
        message = msg(
            "{each} {word} per {every} {what}: {quantity} → {times} × {each} = {total}",
            each=each,
            word=word,
            every=Number(action.every),
            what=what,
            quantity=Number(quantity),
            times=Number(times),
            total=total,
        )
    return _award(rule, index, points, shares, message)


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
    paid, paid_in, note = Amount(eligible, exponent), spend.paid_in, spend.excluded_note
    total = Points(points, decimals)
    if isinstance(action, RatePoints):
        message = msg(
            "{each} {word} per {per}{on}: {paid}{paid_in}{note} → {times} × {each} = {total}",
            each=wording.number,
            word=wording.word,
            per=Amount(action.per, exponent),
            on=wording.on,
            paid=paid,
            paid_in=paid_in,
            note=note,
            times=Number(times),
            total=total,
        )
    else:
        message = msg(
            "{percent}% of {paid}{paid_in}{on}{note} = {total}",
            percent=wording.number,
            paid=paid,
            paid_in=paid_in,
            on=wording.on,
            note=note,
            total=total,
        )
    return _award(rule, index, points, shares, message)


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


def _award(rule: Rule, index: int, points: Decimal, shares: tuple[LineShare, ...], message: Message) -> Award:
    return Award(rule.id, rule.revision, rule.name, index, points, shares, message.english(), message, rule.names)


def _effect(rule: Rule, index: int, kind: EffectKind, value: str, says: Message) -> Effect:
    message = msg("{rule}: {says}", rule=named(rule.name, rule.names), says=says)
    return Effect(kind, value, rule.id, rule.revision, index, message.english(), message)


def _occasion(rule: Rule, situation: Situation) -> Message:
    trigger = situation.trigger
    if trigger.kind == "joined":
        return Message("joining")
    if trigger.kind == "lifetime_points":
        threshold = rule.conditions.lifetime_points_at_least or Decimal(0)
        return msg("reaching {points} lifetime points", points=Points(threshold, 2))
    if trigger.kind == "code_used":
        return msg("using code {code}", code=rule.conditions.code or trigger.code or "")
    if trigger.kind == "event":
        return msg("the event {event}", event=trigger.event or "")
    if rule.conditions.min_spend is not None:
        minimum = Amount(rule.conditions.min_spend, situation.context.currency_exponent)
        return msg("a purchase of at least {minimum}", minimum=minimum)
    return Message("this purchase")
