"""The points ledger: append-only double entry in integer hundredths of a point.

Every change is a `LedgerTransaction` with two entries that sum to zero: the member's account and a
business account ("issued" for earning, "redeemed" for paying with points, "adjusted" for corrections).
The member's cached balance moves in the same transaction, behind a guard in the UPDATE itself, so two
tills spending the same points cannot both succeed. There is deliberately no cached balance on the
business accounts: one row updated by every purchase would serialise all writers.

Every posting also moves lots (`loyalty.lots`): points coming in become a lot dated by the business's policy (or
go back to the very lots a cancelled payment took them from); points going out are taken from lots, spending
only spendable ones by expiry, so whatever spends points through `post` spends them by lot.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Select, Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, LotAllocation, Member, PointsLot, now
from loyalty.db.rows import insert_rows
from loyalty.errors import Conflict, Refused
from loyalty.wallet.lots import book
from loyalty.wallet.lots import model as lots

# Ledger kinds whose member entries make up lifetime points: earning, and taking earnings back.
LIFETIME_KINDS = ("earn", "unearn")
COUNTER_ACCOUNT = {
    "earn": "issued",
    "unearn": "issued",
    "pay": "redeemed",
    "refund": "redeemed",
    "adjust": "adjusted",
    "expire": "expired",
}
# Points going out by these kinds are taken, not spent: pending points too (spendable ones first), never expired
# ones. Every other kind spends, and spends only what is spendable now.
TAKE_KINDS = ("adjust", "unearn")


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
    restores: uuid.UUID | None = None  # a spending transaction whose lots this posting gives back


def post(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    amount: int,
    cause: Cause = Cause(),
    may_go_negative: bool | None = None,
    at: datetime | None = None,
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
        at=at,
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
    at: datetime | None = None,
) -> list[LedgerTransaction]:
    """One ledger transaction per (amount, cause), and one guarded update of the member's balance for them all
    (a purchase that earns by three rules moves the balance once). Each posting moves lots too."""
    at = at or now()
    allow_negative = business.allow_negative_balance if may_go_negative is None else may_go_negative
    recorded = _record(
        session,
        business=business,
        member_id=member_id,
        kind=kind,
        postings=postings,
        allow_negative=allow_negative,
        at=at,
    )
    if recorded is None:
        return []
    transactions, balance, debt = recorded
    legs = [(txn, leg, cause) for txn, (leg, cause) in zip(transactions, _nonzero(postings), strict=True)]
    if debt == 0 and all(leg > 0 and cause.restores is None for _, leg, cause in legs):
        # Plain earnings with no debt to settle (the common case): every lot in one INSERT, nothing to read.
        book.add_many(
            session,
            business=business,
            member_id=member_id,
            kind=kind,
            lots=[(txn.id, leg, cause.purchase_id if kind == "earn" else None) for txn, leg, cause in legs],
            at=at,
        )
        return transactions
    for transaction, leg, cause in legs:
        _move_lots(session, business, member_id, kind, transaction.id, leg, cause, balance, allow_negative, at)
        balance += leg
    return transactions


def _nonzero(postings: Sequence[tuple[int, Cause]]) -> list[tuple[int, Cause]]:
    return [(amount, cause) for amount, cause in postings if amount != 0]


def _record(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    postings: Sequence[tuple[int, Cause]],
    allow_negative: bool,
    at: datetime,
) -> tuple[list[LedgerTransaction], int, int | None] | None:
    """The guarded balance UPDATE (which also queues the member's writers) and the entries; returns the
    transactions, the balance before them and, for points coming in, the member's debt (read by the same UPDATE),
    or None when there is nothing to post."""
    if kind not in COUNTER_ACCOUNT:
        raise ValueError(f"unknown ledger kind {kind!r}")
    postings = _nonzero(postings)
    if not postings:
        return None
    amount = sum(amount for amount, _ in postings)
    lifetime_change = amount if kind in LIFETIME_KINDS else 0
    if any(abs(leg) > MAX_BALANCE for leg, _ in postings) or abs(amount) > MAX_BALANCE:
        raise PointsCeiling()  # before the database sees a number its integers cannot hold
    guard = "in" if amount > 0 else "out" if not allow_negative else "owe"
    moved = (
        session.connection()
        .execute(
            _balance_update(guard),
            {"member": member_id, "business": business.id, "amount": amount, "lifetime": lifetime_change},
        )
        .first()
    )
    if moved is None:
        if amount < 0 and not allow_negative:
            raise InsufficientPoints(-amount)
        raise PointsCeiling()
    member = session.identity_map.get(identity_key(Member, member_id))
    if member is not None:
        # Keep a loaded member in step with the row without another SELECT.
        set_committed_value(member, "points_balance", moved.points_balance)
        set_committed_value(member, "lifetime_points", moved.lifetime_points)
    transactions = _insert_transactions(session, business, member_id, kind, postings, at)
    debt = int(moved.debt or 0) if amount > 0 else None
    return transactions, int(moved.points_balance) - amount, debt


@functools.cache
def _balance_update(guard: str) -> Any:
    """The member's guarded balance UPDATE, built once per guard: "in" (points coming in, also reading the
    member's debt, which they settle first), "out" (never below zero) or "owe" (a negative balance allowed)."""
    member = Member.__table__.c
    amount, lifetime = bindparam("amount", type_=BigInteger), bindparam("lifetime", type_=BigInteger)
    statement = update(cast(Table, Member.__table__)).where(
        member.id == bindparam("member"), member.business_id == bindparam("business")
    )
    if guard == "in":
        statement = statement.where(
            member.points_balance + amount <= MAX_BALANCE, member.lifetime_points + lifetime <= MAX_BALANCE
        )
    elif guard == "out":
        statement = statement.where(member.points_balance + amount >= 0)
    else:
        statement = statement.where(member.points_balance + amount >= -MAX_BALANCE)
    returned: list[Any] = [member.points_balance, member.lifetime_points]
    if guard == "in":
        returned.append(book.debt_of(bindparam("business"), bindparam("member")).label("debt"))
    return statement.values(
        points_balance=member.points_balance + amount, lifetime_points=member.lifetime_points + lifetime
    ).returning(*returned)


def _insert_transactions(
    session: Session,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    postings: Sequence[tuple[int, Cause]],
    at: datetime,
) -> list[LedgerTransaction]:
    """The transactions and their two entries each, in two INSERTs whatever their number. The returned rows are
    not in the session: nothing flushes them again."""
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, object]] = []
    counter = COUNTER_ACCOUNT[kind]
    for leg, cause in postings:
        transaction_id = uuid.uuid4()
        row: dict[str, Any] = {
            "id": transaction_id,
            "business_id": business.id,
            "kind": kind,
            "member_id": member_id,
            "purchase_id": cause.purchase_id,
            "payment_id": cause.payment_id,
            "rule_id": cause.rule_id,
            "rule_revision": cause.rule_revision,
            "reason": cause.reason,
            "created_at": at,
        }
        rows.append(row)
        entries.append(_entry(business.id, transaction_id, "member", member_id, leg, at))
        entries.append(_entry(business.id, transaction_id, counter, None, -leg, at))
    insert_rows(session, LedgerTransaction, rows)
    insert_rows(session, LedgerEntry, entries)
    return [LedgerTransaction(**row) for row in rows]


def _entry(
    business_id: uuid.UUID,
    transaction_id: uuid.UUID,
    account: str,
    member_id: uuid.UUID | None,
    amount: int,
    at: datetime,
) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "business_id": business_id,
        "transaction_id": transaction_id,
        "account": account,
        "member_id": member_id,
        "amount": amount,
        "created_at": at,
    }


def _transaction(
    business: Business, member_id: uuid.UUID, kind: str, leg: int, cause: Cause, at: datetime
) -> LedgerTransaction:
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
        created_at=at,
    )
    transaction.entries = [
        LedgerEntry(business_id=business.id, account="member", member_id=member_id, amount=leg, created_at=at),
        LedgerEntry(business_id=business.id, account=COUNTER_ACCOUNT[kind], amount=-leg, created_at=at),
    ]
    return transaction


def _move_lots(
    session: Session,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    transaction_id: uuid.UUID,
    leg: int,
    cause: Cause,
    balance_before: int,
    allow_negative: bool,
    at: datetime,
) -> None:
    if leg > 0:
        restored = 0
        if cause.restores is not None:
            restored = book.restore(
                session,
                business=business,
                member_id=member_id,
                transaction_id=transaction_id,
                restores=cause.restores,
                at=at,
            )
        if leg > restored:  # an earning, or points whose lots are not known: a new lot, dated now
            purchase_id = cause.purchase_id if kind == "earn" else None
            book.add(
                session,
                business=business,
                member_id=member_id,
                transaction_id=transaction_id,
                kind=kind,
                amount=leg - restored,
                purchase_id=purchase_id,
                at=at,
            )
        debt = book.debt(session, business_id=business.id, member_id=member_id)
        if debt > 0:
            book.settle_debt(
                session, business_id=business.id, member_id=member_id, transaction_id=transaction_id, debt=debt, at=at
            )
        return
    if kind in TAKE_KINDS:
        held = book.held(session, business_id=business.id, member_ids=[member_id])[member_id]
        takes, short = lots.plan_remove([book.as_model(lot) for lot in held], -leg, at)
    else:
        candidates = book.spend_candidates(session, business_id=business.id, member_id=member_id, at=at, need=-leg)
        takes, short = lots.plan_spend(candidates, -leg, at)
    if short and not allow_negative:
        raise InsufficientPoints(-leg)
    book.consume(
        session,
        business_id=business.id,
        member_id=member_id,
        transaction_id=transaction_id,
        takes=takes,
        kind="remove" if kind in TAKE_KINDS else "spend",
        at=at,
    )
    if short:
        book.owe(
            session, business_id=business.id, member_id=member_id, transaction_id=transaction_id, amount=short, at=at
        )


def take_back(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    purchase_id: uuid.UUID,
    amount: int,
    reason: str,
    at: datetime,
) -> int:
    """Take back `amount` a purchase earned: from its own lots first; what of them expired is not taken again from
    other lots; what was spent is taken from other lots. Returns the hundredths not recovered."""
    if amount <= 0:
        return 0
    book.lock_member(session, member_id, business_id=business.id)
    held = book.for_take_back(session, business_id=business.id, member_id=member_id, purchase_id=purchase_id)
    plan = lots.plan_take_back(held, amount, at, str(purchase_id))
    debt = plan.shortfall if business.allow_negative_balance else 0
    recorded = _record(
        session,
        business=business,
        member_id=member_id,
        kind="unearn",
        postings=[(-(plan.taken + debt), Cause(purchase_id=purchase_id, reason=reason))],
        allow_negative=True,
        at=at,
    )
    if recorded is not None:
        transaction_id = recorded[0][0].id
        book.consume(
            session,
            business_id=business.id,
            member_id=member_id,
            transaction_id=transaction_id,
            takes=plan.takes,
            kind="take_back",
            at=at,
        )
        if debt:
            book.owe(
                session, business_id=business.id, member_id=member_id, transaction_id=transaction_id, amount=debt, at=at
            )
    book.write_off(session, plan.written_off, business_id=business.id)
    return plan.not_recovered - debt


def expire(session: Session, *, business: Business, due: Sequence[PointsLot], at: datetime) -> int:
    """Post the expiry of what `due` lots still hold: per member, one ledger transaction per moment of expiry,
    dated then. The caller holds the members' rows and read `due` after taking them, so the balances read here
    stay true: a whole batch is one read, one UPDATE per member sent together, and batched INSERTs. Returns the
    hundredths expired."""
    by_member: dict[uuid.UUID, dict[datetime, list[PointsLot]]] = {}
    for lot in due:
        if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= at:
            by_member.setdefault(lot.member_id, {}).setdefault(lot.expires_at, []).append(lot)
    if not by_member:
        return 0
    query = select(Member.id, Member.points_balance).where(
        Member.business_id == business.id, Member.id.in_(list(by_member))
    )
    balances = {member_id: int(balance) for member_id, balance in session.execute(query)}
    expired: list[tuple[PointsLot, uuid.UUID]] = []
    transactions: list[LedgerTransaction] = []
    moved = []
    for member_id, moments in by_member.items():
        balance = balances[member_id]
        for moment, lots_then in sorted(moments.items()):
            points = sum(lot.remaining for lot in lots_then)
            cause = Cause(reason=f"{len(lots_then)} lot(s) expired")
            transaction = _transaction(business, member_id, "expire", -points, cause, moment)
            transactions.append(transaction)
            expired += [(lot, transaction.id) for lot in lots_then]
            balance -= points
        moved.append({"id": member_id, "business_id": business.id, "points_balance": balance})
    session.execute(update(Member), moved)  # by primary key and business, one statement sent for the batch
    session.add_all(transactions)
    session.flush()
    book.expire(session, business_id=business.id, expired=expired)
    return sum(lot.remaining for lot, _ in expired)


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
    held = _by_member(
        select(PointsLot.member_id, func.sum(PointsLot.remaining)).group_by(PointsLot.member_id),
        session,
    )
    debts = _by_member(
        select(LotAllocation.member_id, func.sum(LotAllocation.amount))
        .where(LotAllocation.lot_id.is_(None))
        .group_by(LotAllocation.member_id),
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
        if held.get(member_id, 0) - debts.get(member_id, 0) != cached:
            problems.append(
                f"member {member_id} balance {cached} but lots hold {held.get(member_id, 0)}"
                f" less a debt of {debts.get(member_id, 0)}"
            )
    return problems + _lot_problems(session)


def _lot_problems(session: Session) -> list[str]:
    """Each lot within its amount and equal to its allocations; nothing spent while pending or expired."""
    problems = []
    allocated = dict(
        session.execute(
            select(LotAllocation.lot_id, func.sum(LotAllocation.amount))
            .where(LotAllocation.lot_id.is_not(None))
            .group_by(LotAllocation.lot_id)
        ).all()
    )
    query = select(PointsLot.id, PointsLot.amount, PointsLot.remaining, PointsLot.expired, PointsLot.written_off)
    for lot_id, amount, remaining, expired, written_off in session.execute(query):
        if not 0 <= remaining <= amount:
            problems.append(f"lot {lot_id} holds {remaining} of {amount}")
        if amount - remaining != int(allocated.get(lot_id) or 0):
            problems.append(
                f"lot {lot_id} used {amount - remaining} but its allocations sum to {allocated.get(lot_id)}"
            )
        # Written off: expired points, posted or (for points still in an overdue lot) about to be.
        if not (0 <= written_off <= expired + remaining and expired <= amount):
            problems.append(f"lot {lot_id} expired {expired}, written off {written_off}, of {amount}")
    misspent = session.execute(
        select(LotAllocation.transaction_id, PointsLot.id)
        .join(PointsLot, PointsLot.id == LotAllocation.lot_id)
        .where(
            LotAllocation.kind == "spend",
            (LotAllocation.at < PointsLot.available_at)
            | (PointsLot.expires_at.is_not(None) & (LotAllocation.at >= PointsLot.expires_at)),
        )
    )
    problems += [f"transaction {txn} spent lot {lot} while pending or expired" for txn, lot in misspent]
    return problems


def _by_member(query: Select[uuid.UUID | None, int], session: Session) -> dict[uuid.UUID | None, int]:
    return {member_id: int(total) for member_id, total in session.execute(query)}
