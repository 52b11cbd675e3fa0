"""The period's recorded purchases read back as the engine saw them, cheaply: ids and JSON as text, repeated
values decoded once; members' lifetime points as they stood at each purchase; stored rules' firings before the
period."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member, Purchase, PurchaseLine, RuleUse
from loyalty.money import from_minor, hundredths_to_points
from loyalty.periods import Period
from loyalty.wallet import ledger

BATCH = 2000


# A purchase without loyalty discounts: one shared empty mapping.
NO_DISCOUNTS: dict[str, Decimal] = {}


def replayed(business: Business, period: Period) -> tuple[Any, ...]:
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


class Lifetimes:
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


class Reader:
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
            query = select(*columns).where(*replayed(self.business, self.period))
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
            built[purchase] = (lines, discounts or NO_DISCOUNTS)
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


def uses_before(
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
