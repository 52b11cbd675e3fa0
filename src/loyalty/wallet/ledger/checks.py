"""`loyalty verify`: the ledger recomputed from its entries and compared with every cached balance and lot."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from loyalty.db.models import Business, LedgerEntry, LedgerTransaction, LotAllocation, Member, PointsLot
from loyalty.wallet.ledger.posting import LIFETIME_KINDS


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
