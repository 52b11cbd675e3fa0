"""The replay: each recorded purchase evaluated under the chosen rules, tallied per rule and per day beside what
the ledger says actually happened, and the answer of POST /v1/rules/backtest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns.backtests.history import NO_DISCOUNTS, Lifetimes, Reader, replayed, uses_before
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Purchase, Rule
from loyalty.members.accounts import format_points
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, points_to_hundredths, quantize_money
from loyalty.periods import Period
from loyalty.sale import awards


@dataclass
class Tally:
    """Points (hundredths), purchases and members of one rule, or of all of them."""

    points: int = 0
    purchases: int = 0
    members: set[str] = field(default_factory=set)


@dataclass
class Result:
    rules: list[engine.Rule]
    period: Period
    purchases: int = 0
    total: Tally = field(default_factory=Tally)
    by_rule: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_day: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    actual: Tally = field(default_factory=Tally)
    actual_by_day: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    actual_by_rule: list[dict[str, Any]] = field(default_factory=list)


def purchases_in(session: Session, *, business: Business, period: Period) -> int:
    """How many purchases a backtest of `period` replays (for its progress)."""
    return int(session.scalar(select(func.count()).select_from(Purchase).where(*replayed(business, period))) or 0)


def run(session: Session, *, business: Business, rules: Sequence[engine.Rule], period: Period) -> Result:
    """Replay the period's purchases through `rules` (purchase rules, taken as active). Writes nothing."""
    result = Result(list(rules), period)
    for _ in replay(session, business=business, result=result):
        pass
    return result


def replay(session: Session, *, business: Business, result: Result) -> Iterator[int]:
    """Fill `result` batch by batch, yielding how many purchases are done after each batch."""
    rules, period = result.rules, result.period
    index = engine.RuleIndex(rules)
    context = awards.context(business)
    reader = Reader(session, business, period, context.currency_exponent)
    uses = uses_before(session, business, rules, period)
    members: dict[str, tuple[frozenset[str], Decimal]] = {}
    limited = {rule.id for rule in rules if rule.limits is not None}
    lifetimes = Lifetimes(session, business, period) if _reads_lifetime(rules) else None
    for batch in reader.batches():
        reader.load_members(members, {row.member for row in batch})
        lines = reader.lines([row.key for row in batch])
        for row in batch:
            tags, lifetime = members[row.member]
            if lifetimes is not None:
                lifetime = lifetimes.at(row.member, row.created_at, now=lifetime)
            member_uses = uses[row.member]
            member = engine.Member(id=row.member, tags=tags, lifetime_points=lifetime, rule_uses=member_uses)
            sale_lines, discounts = lines.get(row.key, ((), NO_DISCOUNTS))
            facts = engine.Purchase(
                transaction_id=row.transaction_id,
                lines=sale_lines,
                payments=reader.payments(row.payments),
                branch_id=reader.branch(row.branch),
            )
            at = row.created_at
            outcome = engine.evaluate(facts, member, index, at=at, context=context, line_discounts=discounts)
            _count(result, row, outcome, period)
            for fired in outcome.fired:
                if fired.rule_id is not None and fired.rule_id in limited:
                    member_uses[fired.rule_id] = (*member_uses.get(fired.rule_id, ()), at)
        result.purchases += len(batch)
        yield result.purchases
    result.actual_by_rule = _actual_by_rule(session, business, period)


def _reads_lifetime(rules: Sequence[engine.Rule]) -> bool:
    return any(rule.conditions.lifetime_points_at_least is not None for rule in rules)


def _count(result: Result, row: Any, outcome: engine.Outcome, period: Period) -> None:
    day = period.day_of(row.created_at)
    if outcome.points > 0:
        points = points_to_hundredths(outcome.points)
        result.total.points += points
        result.total.purchases += 1
        result.total.members.add(row.member)
        result.by_day[day] += points
        earned: dict[str, int] = defaultdict(int)
        for award in outcome.awards:
            earned[award.rule_id or ""] += points_to_hundredths(award.points)
        for rule_id, hundredths in earned.items():
            tally = result.by_rule[rule_id]
            tally.points += hundredths
            tally.purchases += 1
            tally.members.add(row.member)
    if row.points_earned:
        result.actual.points += row.points_earned
        result.actual.purchases += 1
        result.actual.members.add(row.member)
        result.actual_by_day[day] += row.points_earned


def _actual_by_rule(session: Session, business: Business, period: Period) -> list[dict[str, Any]]:
    """What each rule actually earned on the replayed purchases, from the ledger."""
    query = (
        select(
            LedgerTransaction.rule_id,
            Rule.name,
            func.sum(LedgerEntry.amount),
            func.count(func.distinct(LedgerTransaction.purchase_id)),
            func.count(func.distinct(LedgerTransaction.member_id)),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(Purchase, Purchase.id == LedgerTransaction.purchase_id)
        .join(Rule, Rule.id == LedgerTransaction.rule_id)
        .where(
            *replayed(business, period),
            LedgerTransaction.business_id == business.id,
            LedgerTransaction.kind == "earn",
            LedgerEntry.account == "member",
        )
        .group_by(LedgerTransaction.rule_id, Rule.name)
    )
    return [
        {"rule_id": str(rule_id), "name": name, "points": int(points), "purchases": purchases, "members": members}
        for rule_id, name, points, purchases, members in session.execute(query)
    ]


def as_json(result: Result, business: Business) -> dict[str, Any]:
    """The answer of POST /v1/rules/backtest: points and money as decimal strings."""
    exponent = currency_exponent(business.currency)
    point_value = from_minor(business.point_value_minor, exponent)

    def points(hundredths: int) -> str:
        return format_points(business, hundredths)

    def cost(hundredths: int) -> str:
        return str(quantize_money(hundredths_to_points(hundredths) * point_value, exponent))

    by_rule = []
    for rule in result.rules:
        tally = result.by_rule.get(rule.id or "", Tally())
        by_rule.append(
            {
                "rule_id": rule.id if rule.id and not rule.id.startswith("draft-") else None,
                "revision": rule.revision,
                "name": rule.name,
                "points": points(tally.points),
                "cost": cost(tally.points),
                "purchases": tally.purchases,
                "members": len(tally.members),
            }
        )
    days = result.period.days()
    actual_rules = [
        {**entry, "points": points(entry["points"]), "cost": cost(entry["points"])}
        for entry in sorted(result.actual_by_rule, key=lambda entry: (-entry["points"], entry["name"]))
    ]
    return {
        "from": result.period.start.isoformat(),
        "until": result.period.end.isoformat(),
        "timezone": business.timezone,
        "currency": business.currency,
        "point_value": str(point_value),
        "purchases": result.purchases,
        "members": len(result.total.members),
        "purchases_earning": result.total.purchases,
        "points": points(result.total.points),
        "cost": cost(result.total.points),
        "by_rule": by_rule,
        "by_day": [{"day": day.isoformat(), "points": points(result.by_day.get(day, 0))} for day in days],
        "actual": {
            "points": points(result.actual.points),
            "cost": cost(result.actual.points),
            "purchases_earning": result.actual.purchases,
            "members": len(result.actual.members),
            "by_rule": actual_rules,
            "by_day": [{"day": day.isoformat(), "points": points(result.actual_by_day.get(day, 0))} for day in days],
        },
    }
