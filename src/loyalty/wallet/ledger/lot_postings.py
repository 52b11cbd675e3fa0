"""Postings a member's lots decide: a purchase's earnings taken back from its own lots first, and expired lots
emptied into expiry transactions dated when they expired."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty.db.models import Business, LedgerTransaction, Member, PointsLot
from loyalty.wallet.ledger.posting import Cause, new_transaction, record_postings
from loyalty.wallet.lots import book
from loyalty.wallet.lots import model as lots


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
    recorded = record_postings(
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
            transaction = new_transaction(business, member_id, "expire", -points, cause, moment)
            transactions.append(transaction)
            expired += [(lot, transaction.id) for lot in lots_then]
            balance -= points
        moved.append({"id": member_id, "business_id": business.id, "points_balance": balance})
    session.execute(update(Member), moved)  # by primary key and business, one statement sent for the batch
    session.add_all(transactions)
    session.flush()
    book.expire(session, business_id=business.id, expired=expired)
    return sum(lot.remaining for lot, _ in expired)
