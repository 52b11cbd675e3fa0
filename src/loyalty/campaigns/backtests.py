"""Backtests: the business's recorded purchases of a period replayed through chosen rules, nothing written.

Each completed purchase of an identified member is rebuilt as the engine saw it when it was confirmed: its
lines in their order, the loyalty discounts recorded on them, the payments earning saw (points payments
included), its branch and its time; the engine's `evaluate()` then gives the points, exactly as confirming
that purchase under those rules would. Per-member limits count what the replay itself fired, on top of the
firings of stored rules before the period. Members are taken with their tags as they are now and with the
lifetime points they had at each purchase. Purchases are read in batches in the order they were recorded, with
their lines in one query per batch.

Beside the replay, what actually happened over the same purchases: their recorded points, and per rule the
ledger's earnings linked to them.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member, Purchase, PurchaseLine, Rule, RuleUse
from loyalty.members.accounts import format_points
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, points_to_hundredths, quantize_money
from loyalty.periods import Period
from loyalty.sale import awards
from loyalty.wallet import ledger

BATCH = 2000


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
    return int(session.scalar(select(func.count()).select_from(Purchase).where(*_replayed(business, period))) or 0)


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
    reader = _Reader(session, business, period, context.currency_exponent)
    uses = _uses_before(session, business, rules, period)
    members: dict[str, tuple[frozenset[str], Decimal]] = {}
    limited = {rule.id for rule in rules if rule.limits is not None}
    lifetimes = _Lifetimes(session, business, period) if _reads_lifetime(rules) else None
    for batch in reader.batches():
        reader.load_members(members, {row.member for row in batch})
        lines = reader.lines([row.key for row in batch])
        for row in batch:
            tags, lifetime = members[row.member]
            if lifetimes is not None:
                lifetime = lifetimes.at(row.member, row.created_at, now=lifetime)
            member_uses = uses[row.member]
            member = engine.Member(id=row.member, tags=tags, lifetime_points=lifetime, rule_uses=member_uses)
            sale_lines, discounts = lines.get(row.key, ((), _NO_DISCOUNTS))
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


_NO_DISCOUNTS: dict[str, Decimal] = {}


def _reads_lifetime(rules: Sequence[engine.Rule]) -> bool:
    return any(rule.conditions.lifetime_points_at_least is not None for rule in rules)


class _Lifetimes:
    """Members' lifetime points as they stood when each purchase was confirmed, for rules whose conditions read
    them: the lifetime now, less what the ledger's lifetime entries changed since. Read once, walked in time."""

    def __init__(self, session: Session, business: Business, period: Period) -> None:
        query = (
            select(_key(LedgerEntry.member_id), LedgerEntry.created_at, LedgerEntry.amount)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerEntry.business_id == business.id,
                LedgerEntry.account == "member",
                LedgerTransaction.kind.in_(ledger.LIFETIME_KINDS),
                LedgerEntry.created_at >= period.start,
            )
            .order_by(LedgerEntry.created_at)
        )
        self._changes = list(session.execute(query))
        self._since: dict[str, int] = defaultdict(int)  # hundredths changed from the walk's point until now
        for member, _, amount in self._changes:
            self._since[member] += amount
        self._next = 0

    def at(self, member: str, moment: datetime, *, now: Decimal) -> Decimal:
        """`member`'s lifetime points just before `moment` (moments come in order), given the lifetime `now`."""
        changes = self._changes
        while self._next < len(changes) and changes[self._next].created_at < moment:
            self._since[changes[self._next][0]] -= changes[self._next].amount
            self._next += 1
        return now - hundredths_to_points(self._since[member])


def _replayed(business: Business, period: Period) -> tuple[Any, ...]:
    return (
        Purchase.business_id == business.id,
        Purchase.created_at >= period.start,
        Purchase.created_at < period.end,
        Purchase.status == "completed",
        Purchase.member_id.is_not(None),
    )


def _key(column: Any) -> Any:
    """An id as the database writes it, read as text: building a UUID object per row costs more than the
    replay of a line. The text is the same in every query of one database, so it serves as a key."""
    return cast(column, String)


class _Reader:
    """Reads the period's purchases cheaply: ids and JSON as text, repeated values (tag lists, payments,
    quantities, branches) decoded once."""

    def __init__(self, session: Session, business: Business, period: Period, exponent: int) -> None:
        self.session, self.business, self.period, self.exponent = session, business, period, exponent
        self._tags: dict[str | None, tuple[str, ...]] = {}
        self._payments: dict[str | None, tuple[engine.Payment, ...]] = {}
        self._quantities: dict[str, Decimal] = {}
        self._branches: dict[str | None, str | None] = {None: None}

    def batches(self) -> Iterator[list[Any]]:
        """The period's purchases, oldest first, BATCH at a time (keyset paging on time and id)."""
        columns = (
            _key(Purchase.id).label("key"),
            _key(Purchase.member_id).label("member"),
            _key(Purchase.branch_id).label("branch"),
            Purchase.transaction_id,
            Purchase.created_at,
            cast(Purchase.payments, Text).label("payments"),
            Purchase.points_earned,
        )
        after: tuple[datetime, uuid.UUID] | None = None
        while True:
            query = select(*columns).where(*_replayed(self.business, self.period))
            if after is not None:
                query = query.where(
                    or_(Purchase.created_at > after[0], and_(Purchase.created_at == after[0], Purchase.id > after[1]))
                )
            # Ordered by the columns themselves, so the (business, time) index hands the rows over in order.
            batch = list(self.session.execute(query.order_by(Purchase.created_at, Purchase.id).limit(BATCH)))
            if not batch:
                return
            yield batch
            after = (batch[-1].created_at, uuid.UUID(batch[-1].key))

    def lines(self, keys: list[str]) -> dict[str, tuple[tuple[engine.Line, ...], dict[str, Decimal]]]:
        """The lines of the purchases `keys` names, in the order the till sent them, and the loyalty discounts
        on them."""
        query = select(
            _key(PurchaseLine.purchase_id).label("purchase"),
            PurchaseLine.line_id,
            PurchaseLine.code,
            PurchaseLine.name,
            PurchaseLine.department,
            cast(PurchaseLine.tags, Text).label("tags"),
            PurchaseLine.quantity,
            PurchaseLine.amount_minor,
            PurchaseLine.discount_minor,
            PurchaseLine.position,
        ).where(
            PurchaseLine.business_id == self.business.id,
            PurchaseLine.purchase_id.in_([uuid.UUID(key) for key in keys]),
        )
        grouped: dict[str, list[Any]] = defaultdict(list)
        for row in self.session.execute(query):
            grouped[row.purchase].append(row)
        exponent = self.exponent
        built: dict[str, tuple[tuple[engine.Line, ...], dict[str, Decimal]]] = {}
        for purchase, found in grouped.items():
            if len(found) > 1:
                found.sort(key=lambda row: (row.position if row.position is not None else 0, row.line_id))
            lines = tuple(
                engine.Line(
                    line_id=row.line_id,
                    code=row.code,
                    name=row.name,
                    department=row.department or None,  # stored as "" when the till sent none
                    tags=self.tags(row.tags),
                    quantity=self.quantity(row.quantity),
                    amount=from_minor(row.amount_minor, exponent),
                )
                for row in found
            )
            discounts = {row.line_id: from_minor(row.discount_minor, exponent) for row in found if row.discount_minor}
            built[purchase] = (lines, discounts or _NO_DISCOUNTS)
        return built

    def tags(self, raw: str | None) -> tuple[str, ...]:
        found = self._tags.get(raw)
        if found is None:
            found = self._tags[raw] = tuple(str(tag) for tag in json.loads(raw or "[]") or ())
        return found

    def quantity(self, raw: str) -> Decimal:
        found = self._quantities.get(raw)
        if found is None:
            found = self._quantities[raw] = Decimal(raw)
        return found

    def payments(self, raw: str | None) -> tuple[engine.Payment, ...]:
        """The payments earning saw. Purchases recorded before they were kept replay as if paid by no excluded
        means of payment."""
        found = self._payments.get(raw)
        if found is None:
            stored = json.loads(raw) if raw else None
            found = tuple(
                engine.Payment(mop=str(item["mop"]), amount=from_minor(int(item["amount_minor"]), self.exponent))
                for item in stored or ()
            )
            self._payments[raw] = found
        return found

    def branch(self, raw: str | None) -> str | None:
        found = self._branches.get(raw, "")
        if found == "":
            found = self._branches[raw] = str(uuid.UUID(raw))  # as rules name branches: the canonical form
        return found

    def load_members(self, known: dict[str, tuple[frozenset[str], Decimal]], wanted: set[str]) -> None:
        missing = [uuid.UUID(member) for member in wanted if member not in known]
        if not missing:
            return
        query = select(_key(Member.id), cast(Member.tags, Text), Member.lifetime_points).where(
            Member.business_id == self.business.id, Member.id.in_(missing)
        )
        for member, tags, lifetime in self.session.execute(query):
            known[member] = (frozenset(self.tags(tags)), hundredths_to_points(lifetime))


def _uses_before(
    session: Session, business: Business, rules: Sequence[engine.Rule], period: Period
) -> defaultdict[str, dict[str, tuple[datetime, ...]]]:
    """Per member (by key), the firings of the stored limited rules before the period (a draft has none)."""
    uses: defaultdict[str, dict[str, tuple[datetime, ...]]] = defaultdict(dict)
    stored = [uuid.UUID(rule.id) for rule in rules if rule.limits is not None and rule.id and _is_uuid(rule.id)]
    if not stored:
        return uses
    query = select(_key(RuleUse.member_id), RuleUse.rule_id, RuleUse.at).where(
        RuleUse.business_id == business.id,
        RuleUse.rule_id.in_(stored),
        RuleUse.reversed_at.is_(None),
        RuleUse.at < period.start,
    )
    for member_id, rule_id, at in session.execute(query):
        member = uses[member_id]
        member[str(rule_id)] = (*member.get(str(rule_id), ()), at)
    return uses


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


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
            *_replayed(business, period),
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
