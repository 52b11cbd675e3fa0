"""What a member's lots hold: the spendable balance beside the cached one, pending points and the next expiry,
the lots a spend would take in order, a take-back's lots, the member's debt."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from loyalty.db import later
from loyalty.db.models import LotAllocation, Member, PointsLot
from loyalty.wallet.lots import model


def lock_member(session: Session, member_id: uuid.UUID, *, business_id: uuid.UUID) -> int:
    """Hold the member row until the transaction ends; returns the cached balance."""
    balance = session.scalar(
        select(Member.points_balance).where(Member.business_id == business_id, Member.id == member_id).with_for_update()
    )
    return int(balance or 0)


def as_model(row: PointsLot | Row[Any]) -> model.Lot:
    """The pure model's lot, from a stored lot or a row of its columns."""
    return model.Lot(
        id=str(row.id),
        amount=row.amount,
        remaining=row.remaining,
        earned_at=row.earned_at,
        available_at=row.available_at,
        expires_at=row.expires_at,
        purchase_id=str(row.purchase_id) if row.purchase_id else None,
        expired=row.expired,
        written_off=row.written_off,
    )


def held(
    session: Session, *, business_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PointsLot]]:
    """The lots that still hold points, per member: all a balance, a spend or a standing needs."""
    found: dict[uuid.UUID, list[PointsLot]] = {member_id: [] for member_id in member_ids}
    if not member_ids:
        return found
    query = select(PointsLot).where(
        PointsLot.business_id == business_id, PointsLot.member_id.in_(member_ids), PointsLot.remaining > 0
    )
    for lot in session.scalars(query):
        found[lot.member_id].append(lot)
    return found


@dataclass(frozen=True)
class Summary:
    """A member's points at a moment, beside the ledger balance (which holds pending and overdue points too)."""

    balance: int  # spendable now: the ledger balance less pending and overdue points
    pending: int
    next_expiry_at: datetime | None
    next_expiry_points: int
    pending_until: datetime | None = None  # when the last of the pending points becomes spendable


def summaries(
    session: Session, *, business_id: uuid.UUID, balances: Mapping[uuid.UUID, int], at: datetime
) -> dict[uuid.UUID, Summary]:
    """`balances` (cached ledger balances by member) as of `at`, in one statement. It reads only lots still
    pending, due to expire or next to expire, so a member's long history costs nothing here."""
    ids = list(balances)
    if not ids:
        return {}
    where = {"business_id": business_id, "at": at}
    if len(ids) == 1:  # a till's identify, a member's app: the member's figures alone, without the member row
        (figures,) = later.records(session, _SUMMARY, where | {"member_id": ids[0]})
        return {ids[0]: _summary(balances[ids[0]], figures)}
    found = {row[0]: row[1:] for row in session.execute(_SUMMARIES, where | {"member_ids": ids})}
    return {member_id: _summary(balance, found.get(member_id, _NONE)) for member_id, balance in balances.items()}


def summary(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> Summary:
    balance = session.scalar(
        select(Member.points_balance).where(Member.business_id == business_id, Member.id == member_id)
    )
    balance = balance or 0
    return summaries(session, business_id=business_id, balances={member_id: int(balance)}, at=at)[member_id]


def _summary(balance: int, figures: Sequence[Any]) -> Summary:
    """The summary of a member whose cached ledger balance is `balance`, from what `_figures` read."""
    pending, until, overdue, first, first_points = figures
    return Summary(
        balance=balance - int(pending or 0) - int(overdue or 0),
        pending=int(pending or 0),
        next_expiry_at=_aware(first),
        next_expiry_points=int(first_points or 0),
        pending_until=_aware(until),
    )


def _figures(member_id: Any) -> tuple[Any, ...]:
    """What a summary reads of the lots of `member_id` (a bound value, or the member row of the statement) as of
    the bound `at`, as scalar subqueries, each an index range read of the member's lots: the points still
    pending and when the last of them becomes spendable, the points already overdue, the next expiry and the
    points it takes."""
    mine = (PointsLot.business_id == bindparam("business_id"), PointsLot.member_id == member_id)
    at: Any = bindparam("at")
    held = (*mine, PointsLot.pending_until > at, PointsLot.remaining > 0)
    remaining = func.sum(PointsLot.remaining)

    def one(*columns: Any) -> Any:  # reads its own lots; only a member row outside it is correlated
        return select(*columns).correlate_except(PointsLot)

    first = one(func.min(PointsLot.expiring_at)).where(*mine, PointsLot.expiring_at > at).scalar_subquery()
    return (
        one(remaining).where(*held).scalar_subquery(),
        one(func.max(PointsLot.pending_until)).where(*held).scalar_subquery(),
        one(remaining).where(*mine, PointsLot.expiring_at <= at).scalar_subquery(),
        first,
        one(remaining).where(*mine, PointsLot.expiring_at == first).scalar_subquery(),
    )


_NONE = (None, None, None, None, None)  # a member not found: no lot of theirs pending, overdue or expiring


def balance_now(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, cached: int, at: datetime) -> int:
    """The spendable balance at `at`: the cached ledger balance less points still pending or already expired (not
    yet posted), read by two index range reads over the member's lots that are pending or due, however many lots
    the member has."""
    where = {"business_id": business_id, "member_id": member_id, "at": at}
    found = later.first(session, _HELD_BACK, where)
    return cached - int(found[0] or 0) - int(found[1] or 0)


def lock_spendable(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> tuple[int, int]:
    """Hold the member row until the transaction ends (as `lock_member`); returns its cached ledger balance and
    the spendable balance at `at`, read by the same statement."""
    where = {"business_id": business_id, "member_id": member_id, "at": at}
    found = session.connection().execute(_LOCK_SPENDABLE, where).one()
    balance = int(found[0] or 0)
    return balance, balance - int(found[1] or 0) - int(found[2] or 0)


def balance_read(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> tuple[int, int]:
    """The cached ledger balance and the spendable balance at `at`, in one statement."""
    where = {"business_id": business_id, "member_id": member_id, "at": at}
    found = session.connection().execute(_BALANCE_READ, where).one()
    balance = int(found[0] or 0)
    return balance, balance - int(found[1] or 0) - int(found[2] or 0)


def held_back_of(business_id: Any, member_id: Any, at: Any) -> tuple[Any, Any]:
    """The member's points still pending and those already expired (not yet posted), as two scalar subqueries:
    each an index range read of its own, for a statement that reads them alongside other work."""
    total = func.coalesce(func.sum(PointsLot.remaining), 0)
    mine = (PointsLot.business_id == business_id, PointsLot.member_id == member_id)
    pending = select(total).where(*mine, PointsLot.pending_until > at)
    overdue = select(total).where(*mine, PointsLot.expiring_at <= at)
    return pending.scalar_subquery(), overdue.scalar_subquery()


# Built once: the statements a sale, a payment and their answers read balances with.
_HELD_BACK = select(*held_back_of(bindparam("business_id"), bindparam("member_id"), bindparam("at")))
_THE_MEMBER = (Member.business_id == bindparam("business_id"), Member.id == bindparam("member_id"))
_LOCK_SPENDABLE = (
    select(Member.points_balance, *held_back_of(bindparam("business_id"), bindparam("member_id"), bindparam("at")))
    .where(*_THE_MEMBER)
    .with_for_update(of=Member)
)


# Built once: one member's summary, and many members' summaries (each a member row with its figures).
_SUMMARY = select(*_figures(bindparam("member_id")))
_SUMMARIES = select(Member.id, *_figures(Member.id)).where(
    Member.business_id == bindparam("business_id"), Member.id.in_(bindparam("member_ids", expanding=True))
)
_BALANCE_READ = select(
    select(Member.points_balance).where(*_THE_MEMBER).scalar_subquery(),
    *held_back_of(bindparam("business_id"), bindparam("member_id"), bindparam("at")),
)


def spend_candidates(
    session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime, need: int
) -> list[model.Lot]:
    """Spendable lots in spending order (expiring first first, then those that never expire, oldest first), read
    page by page until they cover `need`: a spend reads the few lots it takes, not every lot the member holds."""
    found: list[model.Lot] = []
    covered = 0
    connection = session.connection()
    for query in _SPEND_PAGES:
        offset, size = 0, 20
        while covered < need:
            where = {"business_id": business_id, "member_id": member_id, "at": at, "offset": offset, "size": size}
            page = [as_model(row) for row in connection.execute(query, where)]
            found += page
            covered += sum(lot.remaining for lot in page)
            if len(page) < size:
                break
            offset, size = offset + size, size * 4
    return found


def _spend_pages() -> tuple[Any, Any]:
    """The two pages a spend reads (built once): lots that expire, by expiry; then those that never do."""
    columns = (
        PointsLot.id,
        PointsLot.amount,
        PointsLot.remaining,
        PointsLot.earned_at,
        PointsLot.available_at,
        PointsLot.expires_at,
        PointsLot.purchase_id,
        PointsLot.expired,
        PointsLot.written_off,
    )
    at: Any = bindparam("at")
    spendable = (
        PointsLot.business_id == bindparam("business_id"),
        PointsLot.member_id == bindparam("member_id"),
        PointsLot.remaining > 0,
        PointsLot.available_at <= at,
    )
    expiring = (
        select(*columns)
        .where(*spendable, PointsLot.expiring_at > at)
        .order_by(PointsLot.expiring_at, PointsLot.earned_at, PointsLot.id)
    )
    lasting = (
        select(*columns).where(*spendable, PointsLot.expires_at.is_(None)).order_by(PointsLot.earned_at, PointsLot.id)
    )
    return tuple(page.offset(bindparam("offset")).limit(bindparam("size")) for page in (expiring, lasting))  # type: ignore[return-value]


_SPEND_PAGES = _spend_pages()


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate bypasses the column type: SQLite hands back a naive string-born datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def debt(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> int:
    """What the member owes from take-backs beyond every lot (an index seek: debts are few)."""
    owed = session.scalar(select(debt_of(business_id, member_id)))
    return int(owed or 0)


def debt_of(business_id: Any, member_id: Any) -> Any:
    """The member's debt as a scalar subquery, for a statement that reads it alongside other work."""
    return (
        select(func.coalesce(func.sum(LotAllocation.amount), 0))
        .where(
            LotAllocation.business_id == business_id,
            LotAllocation.member_id == member_id,
            LotAllocation.lot_id.is_(None),
        )
        .scalar_subquery()
    )


def for_take_back(
    session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, purchase_id: uuid.UUID
) -> list[model.Lot]:
    """The member's lots that hold points, and every lot of the purchase (its expired ones count too)."""
    query = select(PointsLot).where(
        PointsLot.business_id == business_id,
        PointsLot.member_id == member_id,
        or_(PointsLot.remaining > 0, PointsLot.purchase_id == purchase_id),
    )
    return [as_model(lot) for lot in session.scalars(query)]
