"""`loyalty expire`: post the expiries due at a moment, release pending points, remind members before expiry.

It works in batches, each its own short transaction, so a run over a million lots never holds the database for
long and an interrupted run is simply run again. Each member's lots are read again after the member row is
locked: two runs at once, or a run and a till spending at the same moment, queue on that row, and the second finds
nothing left to expire (each change of a lot is guarded as well; see `lots.book`).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, Member, PointsLot
from loyalty.wallet import ledger
from loyalty.wallet.lots import book
from loyalty.webhooks import payloads

BATCH = 2000  # due lots read per transaction (their members' other due lots come along)


@dataclass
class Report:
    expired_points: int = 0  # hundredths
    expired_lots: int = 0
    members: int = 0
    released_points: int = 0
    released_lots: int = 0
    reminders: list[Reminder] = field(default_factory=list)


@dataclass(frozen=True)
class Reminder:
    business_id: uuid.UUID
    member_id: uuid.UUID
    points: int  # hundredths expiring first
    expires_at: datetime  # the first moment of expiry among the lots reminded of
    total_points: int  # hundredths of all the lots reminded of


def run(db: Database, *, at: datetime, batch: int = BATCH, notify: Callable[[Reminder], None] | None = None) -> Report:
    """Expire what is due at `at`, release what is available at `at`, and (with `notify`) remind members whose
    points enter the business's reminder period; each reminder is sent after its batch is committed, so a lot is
    never the subject of two reminders."""
    report = Report()
    while True:
        done, seen = db.write(lambda session: _expire_batch(session, at=at, batch=batch))
        report.expired_points += done.expired_points
        report.expired_lots += done.expired_lots
        report.members += done.members
        if seen < batch:
            break
    while True:
        points, lots = db.write(lambda session: _release_batch(session, at=at, batch=batch * 5))
        report.released_points += points
        report.released_lots += lots
        if lots < batch * 5:
            break
    if notify is not None:
        businesses = db.write(lambda session: _reminding_businesses(session))
        for business_id, days in businesses:
            while True:
                sent = db.write(
                    functools.partial(_remind_batch, business_id=business_id, days=days, at=at, batch=batch)
                )
                for reminder in sent:
                    notify(reminder)
                report.reminders += sent
                if len(sent) < batch:
                    break
    return report


def _expire_batch(session: Session, *, at: datetime, batch: int) -> tuple[Report, int]:
    """Up to `batch` members with lots due, business by business: lock them (in business and id order, so two runs
    queue instead of deadlocking), read their due lots again, and post the expiries."""
    done = Report()
    # The first due lots in order of expiry (an index range read that stops early) and their members, whatever
    # their business (the run's one read across businesses): a batch costs the same however many lots are due.
    due = session.execute(
        select(PointsLot.business_id, PointsLot.member_id)
        .where(PointsLot.expiring_at <= at)
        .order_by(PointsLot.expiring_at)
        .limit(batch)
    ).all()
    if not due:
        return done, 0
    by_business: dict[uuid.UUID, set[uuid.UUID]] = {}
    for business_id, member_id in due:
        by_business.setdefault(business_id, set()).add(member_id)
    members_done: set[uuid.UUID] = set()
    for business_id, of_business in sorted(by_business.items()):
        members = sorted(of_business)
        mine = (Member.business_id == business_id, Member.id.in_(members))
        session.execute(select(Member.id).where(*mine).order_by(Member.id).with_for_update()).all()
        lots = list(
            session.scalars(
                select(PointsLot).where(
                    PointsLot.business_id == business_id,
                    PointsLot.member_id.in_(members),
                    PointsLot.expiring_at <= at,
                )
            )
        )
        business = session.get(Business, business_id)
        assert business is not None
        payloads.points_expired(session, business, lots)
        done.expired_points += ledger.expire(session, business=business, due=lots, at=at)
        done.expired_lots += len(lots)
        members_done |= {lot.member_id for lot in lots}  # another run may have taken some meanwhile
    done.members = len(members_done)
    return done, len(due)


def _release_batch(session: Session, *, at: datetime, batch: int) -> tuple[int, int]:
    """Pending lots whose day has come: stamped released (reads already count them as spendable)."""
    rows = session.execute(
        select(PointsLot.business_id, PointsLot.id, PointsLot.remaining)
        .where(PointsLot.pending_until <= at)
        .limit(batch)
    ).all()
    if not rows:
        return 0, 0
    by_business: dict[uuid.UUID, list[uuid.UUID]] = {}
    for business_id, lot_id, _ in rows:
        by_business.setdefault(business_id, []).append(lot_id)
    for business_id, lot_ids in sorted(by_business.items()):
        session.execute(
            update(PointsLot)
            .where(PointsLot.business_id == business_id, PointsLot.id.in_(lot_ids), PointsLot.pending_until <= at)
            .values(pending_until=None)
            .execution_options(synchronize_session=False)
        )
    return sum(remaining for _, _, remaining in rows), len(rows)


def _reminding_businesses(session: Session) -> list[tuple[uuid.UUID, int]]:
    query = select(Business.id, Business.points_expiry_reminder_days).where(
        Business.points_expiry_reminder_days.is_not(None)
    )
    return [(business_id, int(days or 0)) for business_id, days in session.execute(query)]


def _remind_batch(session: Session, *, business_id: uuid.UUID, days: int, at: datetime, batch: int) -> list[Reminder]:
    """One reminder per member for their lots entering the reminder period (`days` before expiry), each lot once:
    the lots of one reminder are stamped with it."""
    until = at + timedelta(days=days)
    due = (
        PointsLot.business_id == business_id,
        PointsLot.expiring_at > at,
        PointsLot.expiring_at <= until,
        PointsLot.reminded_at.is_(None),
    )
    members = session.scalars(
        select(PointsLot.member_id)
        .join(Member, (Member.business_id == PointsLot.business_id) & (Member.id == PointsLot.member_id))
        .where(*due, Member.status == "active")
        .group_by(PointsLot.member_id)
        .order_by(PointsLot.member_id)  # locked in this order by every run: they queue, never deadlock
        .limit(batch)
    ).all()
    sent = []
    for member_id in members:
        book.lock_member(session, member_id, business_id=business_id)
        lots = list(session.scalars(select(PointsLot).where(*due, PointsLot.member_id == member_id)))
        if not lots:
            continue
        for lot in lots:
            lot.reminded_at = at
        first = min(lot.expires_at or until for lot in lots)
        sent.append(
            Reminder(
                business_id=business_id,
                member_id=member_id,
                points=sum(lot.remaining for lot in lots if lot.expires_at == first),
                expires_at=first,
                total_points=sum(lot.remaining for lot in lots),
            )
        )
    return sent
