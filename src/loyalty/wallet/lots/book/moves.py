"""Every change of a lot: new lots dated by the business's policy, spends, take-backs and expiries consumed behind
their guards, spends given back, debts owed and settled, each with its allocations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, bindparam, case, select, update
from sqlalchemy.orm import Session

from loyalty.db.engine import RetryTransaction
from loyalty.db.ids import new_id
from loyalty.db.models import Business, LotAllocation, PointsLot, now
from loyalty.db.rows import cast_table, insert_rows
from loyalty.wallet.lots import model
from loyalty.wallet.lots.book.holdings import as_model, held


def policy_dates(business: Business, at: datetime, *, held: bool = True) -> tuple[datetime, datetime | None]:
    """When points earned at `at` become spendable and expire, by the business's policy now. Only points a sale
    earned are `held` pending: the hold is against buying, spending the points and returning the goods.

    Points expire at the local midnight that ends their last day ("12 points expire on 31 March" means they can
    be spent all of that day), so a member's lots of one day expire together."""
    available_at = at + timedelta(days=business.points_pending_days or 0) if held else at
    days = business.points_expire_after_days
    if not days:
        return available_at, None
    zone = ZoneInfo(business.timezone)
    last_day = (at + timedelta(days=days)).astimezone(zone).date()
    return available_at, datetime.combine(last_day + timedelta(days=1), time(0), zone).astimezone(UTC)


def add(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID,
    kind: str,
    amount: int,
    purchase_id: uuid.UUID | None,
    at: datetime,
) -> PointsLot:
    available_at, expires_at = policy_dates(business, at, held=purchase_id is not None)
    lot = PointsLot(
        id=new_id(),
        business_id=business.id,
        member_id=member_id,
        transaction_id=transaction_id,
        purchase_id=purchase_id,
        kind=kind,
        amount=amount,
        remaining=amount,
        expired=0,
        written_off=0,
        earned_at=at,
        available_at=available_at,
        expires_at=expires_at,
        expiring_at=expires_at,
        pending_until=available_at if available_at > at else None,
    )
    session.add(lot)
    return lot


def add_many(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    kind: str,
    lots: Sequence[tuple[uuid.UUID, int, uuid.UUID | None]],
    at: datetime,
) -> None:
    """New lots, one per (transaction, amount, purchase), in one INSERT: dated as `add` dates them."""
    rows = []
    for transaction_id, amount, purchase_id in lots:
        available_at, expires_at = policy_dates(business, at, held=purchase_id is not None)
        rows.append(
            {
                "id": new_id(),
                "business_id": business.id,
                "member_id": member_id,
                "transaction_id": transaction_id,
                "purchase_id": purchase_id,
                "kind": kind,
                "amount": amount,
                "remaining": amount,
                "expired": 0,
                "written_off": 0,
                "earned_at": at,
                "available_at": available_at,
                "expires_at": expires_at,
                "expiring_at": expires_at,
                "pending_until": available_at if available_at > at else None,
            }
        )
    insert_rows(session, PointsLot, rows)


def restore(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID,
    restores: uuid.UUID,
    at: datetime,
) -> int:
    """Give back to the very lots what transaction `restores` spent from them; returns the hundredths restored."""
    spent = session.execute(
        select(LotAllocation.lot_id, LotAllocation.amount).where(
            LotAllocation.business_id == business.id,
            LotAllocation.transaction_id == restores,
            LotAllocation.kind == "spend",
        )
    ).all()
    rows = []
    for lot_id, amount in spent:
        changed = session.execute(
            update(PointsLot)
            .where(
                PointsLot.business_id == business.id,
                PointsLot.id == lot_id,
                PointsLot.remaining + amount <= PointsLot.amount,
            )
            .values(remaining=PointsLot.remaining + amount, expiring_at=PointsLot.expires_at)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise RetryTransaction()
        rows.append(_allocation(business.id, member_id, lot_id, transaction_id, "restore", -amount, at))
    _insert(session, rows)
    return sum(amount for _, amount in spent)


def consume(
    session: Session,
    *,
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID | None,
    takes: Iterable[model.Take],
    kind: str,
    at: datetime,
) -> None:
    """Take hundredths out of lots, each behind its guard; a lost race reruns the whole transaction."""
    rows = []
    for take in takes:
        lot_id = uuid.UUID(take.lot_id)
        if kind == "expire":
            left = PointsLot.remaining - take.amount
            changed = session.execute(
                update(PointsLot)
                .where(PointsLot.business_id == business_id, PointsLot.id == lot_id, PointsLot.remaining >= take.amount)
                .values(
                    remaining=left,
                    expiring_at=case((left > 0, PointsLot.expiring_at), else_=None),
                    expired=PointsLot.expired + take.amount,
                )
                .execution_options(synchronize_session=False)
            )
        else:
            changed = session.connection().execute(_TAKE, {"business": business_id, "lot": lot_id, "take": take.amount})
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise RetryTransaction()
        rows.append(_allocation(business_id, member_id, lot_id, transaction_id, kind, take.amount, at))
    _insert(session, rows)


def _take() -> Any:
    """Take `take` hundredths out of lot `lot` if it holds them (built once: every spend sends it)."""
    lot = cast_table(PointsLot).c
    left = lot.remaining - bindparam("take", type_=BigInteger)
    return (
        update(cast_table(PointsLot))
        .where(
            lot.business_id == bindparam("business"),
            lot.id == bindparam("lot"),
            lot.remaining >= bindparam("take", type_=BigInteger),
        )
        .values(remaining=left, expiring_at=case((left > 0, lot.expiring_at), else_=None))
    )


_TAKE = _take()


def expire(session: Session, *, business_id: uuid.UUID, expired: Sequence[tuple[PointsLot, uuid.UUID]]) -> None:
    """Empty these lots into their expiry transactions: one UPDATE and one INSERT for a whole batch. The members
    are locked, so what was read is what is there; a count that differs means it was not, and the batch reruns."""
    if not expired:
        return
    ids = [lot.id for lot, _ in expired]
    changed = session.execute(
        update(PointsLot)
        .where(
            PointsLot.business_id == business_id,
            PointsLot.id.in_(ids),
            PointsLot.remaining > 0,
            PointsLot.expiring_at.is_not(None),
        )
        .values(expired=PointsLot.expired + PointsLot.remaining, remaining=0, expiring_at=None)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != len(ids):  # type: ignore[attr-defined]
        raise RetryTransaction()
    rows = [
        _allocation(
            business_id, lot.member_id, lot.id, transaction_id, "expire", lot.remaining, lot.expires_at or now()
        )
        for lot, transaction_id in expired
    ]
    _insert(session, rows)


def write_off(session: Session, takes: Iterable[model.Take], *, business_id: uuid.UUID) -> None:
    """Count expired points of a purchase's lots as not recovered, once."""
    for take in takes:
        session.execute(
            update(PointsLot)
            .where(PointsLot.business_id == business_id, PointsLot.id == uuid.UUID(take.lot_id))
            .values(written_off=PointsLot.written_off + take.amount)
            .execution_options(synchronize_session=False)
        )


def owe(
    session: Session,
    *,
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID,
    amount: int,
    at: datetime,
) -> None:
    """A take-back beyond every lot, where the business allows a negative balance: the member's debt."""
    _insert(session, [_allocation(business_id, member_id, None, transaction_id, "debt", amount, at)])


def settle_debt(
    session: Session,
    *,
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    transaction_id: uuid.UUID,
    debt: int,
    at: datetime,
) -> None:
    """Points coming in pay the member's debt first, from the lots that hold them now."""
    lots = held(session, business_id=business_id, member_ids=[member_id])[member_id]
    takes, _ = model.plan_remove([as_model(lot) for lot in lots], debt, at)
    if not takes:
        return
    consume(
        session,
        business_id=business_id,
        member_id=member_id,
        transaction_id=transaction_id,
        takes=takes,
        kind="settle",
        at=at,
    )
    paid = sum(take.amount for take in takes)
    _insert(session, [_allocation(business_id, member_id, None, transaction_id, "settle", -paid, at)])


def _allocation(
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    lot_id: uuid.UUID | None,
    transaction_id: uuid.UUID | None,
    kind: str,
    amount: int,
    at: datetime,
) -> dict[str, object]:
    return {
        "id": new_id(),
        "business_id": business_id,
        "member_id": member_id,
        "lot_id": lot_id,
        "transaction_id": transaction_id,
        "kind": kind,
        "amount": amount,
        "at": at,
    }


def _insert(session: Session, rows: list[dict[str, object]]) -> None:
    insert_rows(session, LotAllocation, rows)
