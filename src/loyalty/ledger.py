"""The points ledger: append-only double entry in integer hundredths of a point.

Every change is a `LedgerTransaction` with two entries that sum to zero: the member's account and a
business account ("issued" for earning, "redeemed" for paying with points, "adjusted" for corrections).
The member's cached balance moves in the same transaction, behind a guard in the UPDATE itself, so two
tills spending the same points cannot both succeed. There is deliberately no cached balance on the
business accounts: one row updated by every purchase would serialise all writers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member
from loyalty.errors import Conflict, Refused

# Ledger kinds whose member entries make up lifetime points: earning, and taking earnings back.
LIFETIME_KINDS = ("earn", "unearn")
COUNTER_ACCOUNT = {"earn": "issued", "unearn": "issued", "pay": "redeemed", "refund": "redeemed", "adjust": "adjusted"}


# The most points an account may hold (or owe), and the largest single movement, in hundredths: 10^13 points.
# Far above any real programme, and low enough that every sum the ledger and its reports make stays inside a
# 64-bit integer column (9.2 × 10^18), whatever a rule's arithmetic gives.
MAX_BALANCE = 10**15


class PointsCeiling(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "points_ceiling",
            f"This would take the member's points past {MAX_BALANCE // 100:,}, the most an account can hold; "
            "nothing was recorded. Check the rules that give points for this.",
        )


class InsufficientPoints(Refused):
    def __init__(self, needed: int) -> None:
        super().__init__("insufficient_points", "The member does not have enough points.", needed_hundredths=needed)


@dataclass(frozen=True)
class Cause:
    """What a ledger transaction is linked to."""

    purchase_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None
    rule_id: uuid.UUID | None = None
    rule_revision: int | None = None
    reason: str = ""


def post(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    amount: int,
    cause: Cause = Cause(),
    may_go_negative: bool | None = None,
) -> LedgerTransaction | None:
    """Move `amount` hundredths into (positive) or out of (negative) a member's account.

    Refuses with InsufficientPoints when the balance would go below zero, unless the business allows it
    (or the caller says so explicitly). A zero amount posts nothing.
    """
    posted = post_many(
        session,
        business=business,
        member_id=member_id,
        kind=kind,
        postings=[(amount, cause)],
        may_go_negative=may_go_negative,
    )
    return posted[0] if posted else None


def post_many(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    postings: Sequence[tuple[int, Cause]],
    may_go_negative: bool | None = None,
) -> list[LedgerTransaction]:
    """One ledger transaction per (amount, cause), and one guarded update of the member's balance for them all
    (a purchase that earns by three rules moves the balance once)."""
    if kind not in COUNTER_ACCOUNT:
        raise ValueError(f"unknown ledger kind {kind!r}")
    postings = [(amount, cause) for amount, cause in postings if amount != 0]
    if not postings:
        return []
    amount = sum(amount for amount, _ in postings)
    allow_negative = business.allow_negative_balance if may_go_negative is None else may_go_negative
    lifetime_change = amount if kind in LIFETIME_KINDS else 0
    if any(abs(leg) > MAX_BALANCE for leg, _ in postings) or abs(amount) > MAX_BALANCE:
        raise PointsCeiling()  # before the database sees a number its integers cannot hold
    guarded = update(Member).where(Member.id == member_id, Member.business_id == business.id)
    if amount > 0:
        guarded = guarded.where(
            Member.points_balance + amount <= MAX_BALANCE, Member.lifetime_points + lifetime_change <= MAX_BALANCE
        )
    elif not allow_negative:
        guarded = guarded.where(Member.points_balance + amount >= 0)
    else:
        guarded = guarded.where(Member.points_balance + amount >= -MAX_BALANCE)
    moved = session.execute(
        guarded.values(
            points_balance=Member.points_balance + amount,
            lifetime_points=Member.lifetime_points + lifetime_change,
        )
        .returning(Member.points_balance, Member.lifetime_points)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        if amount < 0 and not allow_negative:
            raise InsufficientPoints(-amount)
        raise PointsCeiling()
    member = session.identity_map.get(identity_key(Member, member_id))
    if member is not None:
        # Keep a loaded member in step with the row without another SELECT.
        set_committed_value(member, "points_balance", moved.points_balance)
        set_committed_value(member, "lifetime_points", moved.lifetime_points)
    transactions = []
    for leg, cause in postings:
        transaction = LedgerTransaction(
            id=uuid.uuid4(),  # known before the INSERT, so the entries need no flush in between
            business_id=business.id,
            kind=kind,
            member_id=member_id,
            purchase_id=cause.purchase_id,
            payment_id=cause.payment_id,
            rule_id=cause.rule_id,
            rule_revision=cause.rule_revision,
            reason=cause.reason,
        )
        transaction.entries = [
            LedgerEntry(business_id=business.id, account="member", member_id=member_id, amount=leg),
            LedgerEntry(business_id=business.id, account=COUNTER_ACCOUNT[kind], amount=-leg),
        ]
        transactions.append(transaction)
    session.add_all(transactions)
    return transactions


def balance(session: Session, member_id: uuid.UUID) -> int:
    """The member's balance recomputed from the entries (hundredths)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.member_id == member_id, LedgerEntry.account == "member"
        )
    )
    return int(total or 0)


def verify(session: Session) -> list[str]:
    """Every difference between the ledger and what is cached or promised; empty when all is well."""
    problems: list[str] = []
    unbalanced = session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount), func.count())
        .group_by(LedgerEntry.transaction_id)
        .having((func.sum(LedgerEntry.amount) != 0) | (func.count() != 2))
    )
    problems += [
        f"ledger transaction {txn} entries sum to {total} over {count} entries" for txn, total, count in unbalanced
    ]
    sums = _by_member(
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.account == "member")
        .group_by(LedgerEntry.member_id),
        session,
    )
    lifetime_sums = _by_member(
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account == "member", LedgerTransaction.kind.in_(LIFETIME_KINDS))
        .group_by(LedgerEntry.member_id),
        session,
    )
    members = session.execute(
        select(Member.id, Member.points_balance, Member.lifetime_points, Business.allow_negative_balance).join(
            Business, Business.id == Member.business_id
        )
    )
    for member_id, cached, lifetime, allow_negative in members:
        recomputed = sums.get(member_id, 0)
        if cached != recomputed:
            problems.append(f"member {member_id} balance {cached} but entries sum to {recomputed}")
        if lifetime != lifetime_sums.get(member_id, 0):
            problems.append(
                f"member {member_id} lifetime {lifetime} but earnings sum to {lifetime_sums.get(member_id, 0)}"
            )
        if cached < 0 and not allow_negative:
            problems.append(f"member {member_id} balance {cached} is below zero")
    return problems


def _by_member(query: Select[uuid.UUID | None, int], session: Session) -> dict[uuid.UUID | None, int]:
    return {member_id: int(total) for member_id, total in session.execute(query)}
