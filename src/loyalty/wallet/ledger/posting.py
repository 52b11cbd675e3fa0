"""Posting: a balanced ledger transaction per change of a member's points, the guarded balance update, and the
lots each posting moves (`loyalty.wallet.lots.book`)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Table, bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.db import later
from loyalty.db.ids import new_id
from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, Member, now
from loyalty.db.rows import insert_rows
from loyalty.errors import Conflict, Refused
from loyalty.rules.message import Message
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
    "import": "imported",  # balances brought from the system a programme moved from (`loyalty import`)
    "erasure": "forfeited",  # points a member gave up when their data was erased
}
# Points going out by these kinds are taken, not spent: pending points too (spendable ones first), never expired
# ones. Every other kind spends, and spends only what is spendable now.
TAKE_KINDS = ("adjust", "unearn", "import", "erasure")


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
    message: Message | None = None  # the reason as data, said in the reader's language (`reason` is it in English)


@dataclass(frozen=True)
class Posted:
    """A ledger transaction as it was inserted (the columns of `LedgerTransaction`): building a model for each
    earning of a purchase, to throw it away, cost more than the INSERT's own Python."""

    id: uuid.UUID
    business_id: uuid.UUID
    kind: str
    member_id: uuid.UUID
    purchase_id: uuid.UUID | None
    payment_id: uuid.UUID | None
    rule_id: uuid.UUID | None
    rule_revision: int | None
    reason: str
    reason_message: dict[str, Any] | None  # the engine's message as data, said in the reader's language
    created_at: datetime


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
    return LedgerTransaction(**vars(posted[0])) if posted else None  # its callers keep it (audit, answer)


def post_many(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    postings: Sequence[tuple[int, Cause]],
    may_go_negative: bool | None = None,
    at: datetime | None = None,
) -> list[Posted]:
    """One ledger transaction per (amount, cause), and one guarded update of the member's balance for them all
    (a purchase that earns by three rules moves the balance once). Each posting moves lots too."""
    at = at or now()
    allow_negative = business.allow_negative_balance if may_go_negative is None else may_go_negative
    recorded = record_postings(
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


def record_postings(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    postings: Sequence[tuple[int, Cause]],
    allow_negative: bool,
    at: datetime,
) -> tuple[list[Posted], int, int | None] | None:
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
    values = {"member": member_id, "business": business.id, "amount": amount, "lifetime": lifetime_change}
    moved = later.first(session, _balance_update(guard), values)  # (points_balance, lifetime_points[, debt])
    if moved is None:
        if amount < 0 and not allow_negative:
            raise InsufficientPoints(-amount)
        raise PointsCeiling()
    member = session.identity_map.get(identity_key(Member, member_id))
    if member is not None:
        # Keep a loaded member in step with the row without another SELECT.
        set_committed_value(member, "points_balance", moved[0])
        set_committed_value(member, "lifetime_points", moved[1])
    transactions = _insert_transactions(session, business, member_id, kind, postings, at)
    debt = int(moved[2] or 0) if amount > 0 else None
    return transactions, int(moved[0]) - amount, debt


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
) -> list[Posted]:
    """The transactions and their two entries each, in two INSERTs whatever their number. What is returned are
    the rows as written, not models: nothing in the session holds or flushes them."""
    rows: list[dict[str, Any]] = []
    entries: list[dict[str, object]] = []
    counter = COUNTER_ACCOUNT[kind]
    for leg, cause in postings:
        transaction_id = new_id()
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
            "reason_message": cause.message.to_data() if cause.message is not None else None,
            "created_at": at,
        }
        rows.append(row)
        entries.append(_entry(business.id, transaction_id, "member", member_id, leg, at))
        entries.append(_entry(business.id, transaction_id, counter, None, -leg, at))
    insert_rows(session, LedgerTransaction, rows)
    insert_rows(session, LedgerEntry, entries)
    return [Posted(**row) for row in rows]


def _entry(
    business_id: uuid.UUID,
    transaction_id: uuid.UUID,
    account: str,
    member_id: uuid.UUID | None,
    amount: int,
    at: datetime,
) -> dict[str, object]:
    return {
        "id": new_id(),
        "business_id": business_id,
        "transaction_id": transaction_id,
        "account": account,
        "member_id": member_id,
        "amount": amount,
        "created_at": at,
    }


def new_transaction(
    business: Business, member_id: uuid.UUID, kind: str, leg: int, cause: Cause, at: datetime
) -> LedgerTransaction:
    transaction = LedgerTransaction(
        id=new_id(),  # known before the INSERT, so the entries need no flush in between
        business_id=business.id,
        kind=kind,
        member_id=member_id,
        purchase_id=cause.purchase_id,
        payment_id=cause.payment_id,
        rule_id=cause.rule_id,
        rule_revision=cause.rule_revision,
        reason=cause.reason,
        reason_message=cause.message.to_data() if cause.message is not None else None,
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
