"""Lots in the database: the ledger calls these in the same transaction as every posting.

An earning becomes a lot dated by the business's policy at that moment; a spend, a take-back or an expiry becomes
allocations that link its ledger transaction to the lots it consumed, chosen by `lots.model`. Every change of a
lot's `remaining` is a guarded UPDATE (`remaining >= x`), so two writers can never consume the same hundredths;
the member row is locked first (the ledger's guarded balance UPDATE, or `lock_member`), which puts every change
of one member's points in one queue on PostgreSQL as SQLite's single writer does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Row, Select, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from loyalty.db.engine import RetryTransaction
from loyalty.db.models import Business, LotAllocation, Member, PointsLot, now
from loyalty.db.rows import cast_table, insert_rows
from loyalty.wallet.lots import model


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


def summaries(
    session: Session, *, business_id: uuid.UUID, balances: Mapping[uuid.UUID, int], at: datetime
) -> dict[uuid.UUID, Summary]:
    """`balances` (cached ledger balances by member) as of `at`. Each query reads only lots still pending, due to
    expire or next to expire, so a member's long history costs nothing here."""
    ids = list(balances)
    if not ids:
        return {}
    mine = (PointsLot.business_id == business_id, PointsLot.member_id.in_(ids))
    pending = _sums(
        session,
        select(PointsLot.member_id, func.sum(PointsLot.remaining)).where(
            *mine, PointsLot.pending_until > at, PointsLot.remaining > 0
        ),
    )
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
        )
        for member_id, balance in balances.items()
    }


def balance_now(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, cached: int, at: datetime) -> int:
    """The spendable balance at `at`: the cached ledger balance less points still pending or already expired. Two
    index range reads over the member's lots that are pending or due, however many lots the member has."""
    where = {"business_id": business_id, "member_id": member_id, "at": at}
    held_back = session.connection().execute(_HELD_BACK, where).one()
    return cached - int(held_back[0] or 0) - int(held_back[1] or 0)


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


def _held_back(business_id: Any, member_id: Any, at: Any) -> tuple[Any, Any]:
    """The member's points still pending and those already expired (not yet posted), as two scalar subqueries:
    each an index range read of its own, sent together."""
    total = func.coalesce(func.sum(PointsLot.remaining), 0)
    mine = (PointsLot.business_id == business_id, PointsLot.member_id == member_id)
    pending = select(total).where(*mine, PointsLot.pending_until > at)
    overdue = select(total).where(*mine, PointsLot.expiring_at <= at)
    return pending.scalar_subquery(), overdue.scalar_subquery()


# Built once: the statements a sale, a payment and their answers read balances with.
_HELD_BACK = select(*_held_back(bindparam("business_id"), bindparam("member_id"), bindparam("at")))
_THE_MEMBER = (Member.business_id == bindparam("business_id"), Member.id == bindparam("member_id"))
_LOCK_SPENDABLE = (
    select(Member.points_balance, *_held_back(bindparam("business_id"), bindparam("member_id"), bindparam("at")))
    .where(*_THE_MEMBER)
    .with_for_update(of=Member)
)
_BALANCE_READ = select(
    select(Member.points_balance).where(*_THE_MEMBER).scalar_subquery(),
    *_held_back(bindparam("business_id"), bindparam("member_id"), bindparam("at")),
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


def summary(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> Summary:
    balance = session.scalar(
        select(Member.points_balance).where(Member.business_id == business_id, Member.id == member_id)
    )
    balance = balance or 0
    return summaries(session, business_id=business_id, balances={member_id: int(balance)}, at=at)[member_id]


def _sums(session: Session, query: Select[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    return {member_id: int(total or 0) for member_id, total in session.execute(query.group_by(PointsLot.member_id))}


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate bypasses the column type: SQLite hands back a naive string-born datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
        id=uuid.uuid4(),
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
                "id": uuid.uuid4(),
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
        "id": uuid.uuid4(),
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
