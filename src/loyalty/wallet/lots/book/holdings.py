"""What a member's lots hold: the spendable balance beside the cached one, pending points and the next expiry,
the lots a spend would take in order, a take-back's lots, the member's debt."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, or_, select
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
    """`balances` (cached ledger balances by member) as of `at`. Each query reads only lots still pending, due to
    expire or next to expire, so a member's long history costs nothing here."""
    ids = list(balances)
    if not ids:
        return {}
    if len(ids) == 1:  # a till's identify, a member's app: one statement, built once
        return {ids[0]: _summary(session, business_id, ids[0], balances[ids[0]], at)}
    mine = (PointsLot.business_id == business_id, PointsLot.member_id.in_(ids))
    pending: dict[uuid.UUID, int] = {}
    pending_until: dict[uuid.UUID, datetime | None] = {}
    held = select(PointsLot.member_id, func.sum(PointsLot.remaining), func.max(PointsLot.pending_until)).where(
        *mine, PointsLot.pending_until > at, PointsLot.remaining > 0
    )
    for member_id, total, until in session.execute(held.group_by(PointsLot.member_id)):
        pending[member_id] = int(total or 0)
        pending_until[member_id] = _aware(until)
    overdue = _sums(
        session, select(PointsLot.member_id, func.sum(PointsLot.remaining)).where(*mine, PointsLot.expiring_at <= at)
    )
    firsts = dict(
        session.execute(
            select(PointsLot.member_id, func.min(PointsLot.expiring_at))
            .where(*mine, PointsLot.expiring_at > at)
            .group_by(PointsLot.member_id)
        ).all()
    )
    next_points: dict[uuid.UUID, int] = {}
    if firsts:
        moments = or_(*[(PointsLot.member_id == m) & (PointsLot.expiring_at == t) for m, t in firsts.items()])
        next_points = _sums(session, select(PointsLot.member_id, func.sum(PointsLot.remaining)).where(*mine, moments))
    return {
        member_id: Summary(
            balance=balance - pending.get(member_id, 0) - overdue.get(member_id, 0),
            pending=pending.get(member_id, 0),
            next_expiry_at=_aware(firsts.get(member_id)),
            next_expiry_points=next_points.get(member_id, 0),
            pending_until=pending_until.get(member_id),
        )
        for member_id, balance in balances.items()
    }


def summary(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> Summary:
    balance = session.scalar(
        select(Member.points_balance).where(Member.business_id == business_id, Member.id == member_id)
    )
    balance = balance or 0
    return summaries(session, business_id=business_id, balances={member_id: int(balance)}, at=at)[member_id]


def _summary(session: Session, business_id: uuid.UUID, member_id: uuid.UUID, balance: int, at: datetime) -> Summary:
    pending, until, overdue, first, first_points = session.execute(
        _SUMMARY, {"business_id": business_id, "member_id": member_id, "at": at}
    ).one()
    return Summary(
        balance=balance - int(pending or 0) - int(overdue or 0),
        pending=int(pending or 0),
        next_expiry_at=_aware(first),
        next_expiry_points=int(first_points or 0),
        pending_until=_aware(until),
    )


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


def _one_summary() -> Any:
    """`summaries` of one member as one statement of scalar subqueries, each an index range read of its lots."""
    mine = (PointsLot.business_id == bindparam("business_id"), PointsLot.member_id == bindparam("member_id"))
    at: Any = bindparam("at")
    held = (*mine, PointsLot.pending_until > at, PointsLot.remaining > 0)
    first = select(func.min(PointsLot.expiring_at)).where(*mine, PointsLot.expiring_at > at).scalar_subquery()
    remaining = func.sum(PointsLot.remaining)
    return select(
        select(remaining).where(*held).scalar_subquery(),
        select(func.max(PointsLot.pending_until)).where(*held).scalar_subquery(),
        select(remaining).where(*mine, PointsLot.expiring_at <= at).scalar_subquery(),
        first,
        select(remaining).where(*mine, PointsLot.expiring_at == first).scalar_subquery(),
    )


_SUMMARY = _one_summary()
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


def _sums(session: Session, query: Select[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {member_id: int(total or 0) for member_id, total in session.execute(query.group_by(PointsLot.member_id))}


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
