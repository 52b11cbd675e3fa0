"""The import use case: a file's members written in batches. Each row is checked in Python before anything is
written, so a rejected row writes nothing and the others are written; a batch's new members go in together (one
INSERT or COPY per table), and should the database refuse them (another writer took a contact in between) row by
row, each in a savepoint of its own. A dry run writes every batch and rolls it back: the answer says what would
change.

Rows are read one at a time and written a batch per transaction, so memory stays flat however long the file, and
the server's other writers wait at most one batch."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import bulk
from loyalty.db.engine import Database
from loyalty.db.models import Asset, Business, Member, PointsLot, now
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points
from loyalty.moving import members, reading
from loyalty.moving.rows import MemberRow, RowRejected, Spelling

BATCH = 5000  # rows per transaction: few commits (each waits for the disk), other writers wait a few seconds at most
MAX_CHANGES = 1000  # the rows a dry run lists one by one for the Campaign Center's table


@dataclass
class Report:
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    points: int = 0  # hundredths the written rows hold
    credit: int = 0  # minor units
    changes: list[dict[str, Any]] | None = None  # created and updated rows, when asked for (the page's table)

    def as_json(self, exponent: int) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "points": str(hundredths_to_points(self.points)),
            "credit": str(from_minor(self.credit, exponent)),
        } | ({"changes": self.changes} if self.changes is not None else {})


class _RollBack(Exception):
    """Raised at the end of a dry run's batch to roll it back, carrying its outcome."""


@dataclass
class _Outcome:
    outcomes: list[tuple[str, int, int, int, str]] = field(default_factory=list)  # what, points, credit, line, id
    rejected: list[dict[str, Any]] = field(default_factory=list)


def spelling(db: Database, who: Principal) -> Spelling:
    with db.read() as session:
        business = access.business(session, who.business_id)
        return Spelling(business.country, business.timezone, currency_exponent(business.currency))


def run(
    db: Database,
    who: Principal,
    stream: IO[str],
    fmt: str,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    details: bool = False,
) -> tuple[Report, int]:
    """Import `stream` as `who` (an admin key); the report and the currency's exponent to show it with."""
    access.require_kind(who, "admin")
    shape = spelling(db, who)
    report = Report(dry_run=dry_run, changes=[] if details else None)
    # A dry run writes nothing that a later row could clash with, so it remembers (as 8-byte digests) the
    # identifiers earlier rows used; a real import finds them in the database.
    seen: dict[bytes, bytes] | None = {} if dry_run else None
    try:
        _run_batches(db, who, reading.read(stream, fmt, shape), report, seen, progress)
    finally:
        db.write(bulk.restore_cache)
    return report, shape.currency_exponent


def _run_batches(
    db: Database,
    who: Principal,
    rows: Iterator[reading.Read],
    report: Report,
    seen: dict[bytes, bytes] | None,
    progress: Callable[[int], None] | None,
) -> None:
    batch: list[reading.Read] = []
    done = 0
    analysed = BATCH  # the rows after which the planner's statistics are next refreshed: each time twice as many
    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            _write_batch(db, who, batch, report, seen)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done)
            if seen is None:
                db.checkpoint()
            if seen is None and done >= analysed:
                db.write(lambda session: bulk.refresh_statistics(session, Member, PointsLot, Asset))
                analysed *= 2
    if batch:
        _write_batch(db, who, batch, report, seen)
        done += len(batch)
        if progress is not None:
            progress(done)


def _write_batch(
    db: Database, who: Principal, batch: list[reading.Read], report: Report, seen: dict[bytes, bytes] | None
) -> None:
    def work(session: Session) -> _Outcome:
        bulk.enlarge_cache(session)
        business = access.business(session, who.business_id)
        outcome = _Outcome()
        names = members.BenefitNames(session, business.id)
        at = now()
        ids = [row.external_id for _, row, _ in batch if isinstance(row, MemberRow)]
        known: set[str] = set(
            external_id
            for external_id in session.scalars(
                select(Member.external_id).where(Member.business_id == business.id, Member.external_id.in_(ids))
            )
            if external_id is not None
        )
        # What happened to each row, by its place in the batch, so the answer lists them in the file's order.
        results: dict[int, str | RowRejected] = {}
        fresh: list[tuple[int, MemberRow, list[tuple[str, bytes]]]] = []
        fresh_ids: set[str] = set()
        later: list[tuple[int, MemberRow, list[tuple[str, bytes]]]] = []
        # Members already as the file says, read for the whole batch; an id the batch names twice goes row by row,
        # as its first row may change what the second is compared with.
        once = Counter(row.external_id for _, row, _ in batch if isinstance(row, MemberRow))
        same = members.unchanged(
            session,
            business,
            [
                row
                for _, row, _ in batch
                if isinstance(row, MemberRow) and row.external_id in known and once[row.external_id] == 1
            ],
            at=at,
            benefits=names,
        )
        for place, (_, row, _) in enumerate(batch):
            if isinstance(row, RowRejected):
                results[place] = row
                continue
            digests = _digests(business, row) if seen is not None else []
            try:
                if seen is not None:
                    _check_unseen(seen, digests)
            except RowRejected as rejected:
                results[place] = rejected
                continue
            if row.external_id in same:
                results[place] = "unchanged"
                if seen is not None:
                    _remember(seen, digests)
            elif row.external_id in known:
                results[place] = _one(session, business, row, at, names, known)
                if seen is not None and not isinstance(results[place], RowRejected):
                    _remember(seen, digests)
            elif row.external_id in fresh_ids:
                later.append((place, row, digests))  # a new member the batch names again: after it is made
            else:
                fresh.append((place, row, digests))
                fresh_ids.add(row.external_id)
        fresh_digests = {place: digests for place, _, digests in fresh}
        for place, result in _new_members(session, business, fresh, at, names, known).items():
            results[place] = result
            if seen is not None and not isinstance(result, RowRejected):
                _remember(seen, fresh_digests[place])
        for place, row, digests in later:
            results[place] = _one(session, business, row, at, names, known)
            if seen is not None and not isinstance(results[place], RowRejected):
                _remember(seen, digests)
        for place, (line, row, external_id) in enumerate(batch):
            result = results[place]
            if isinstance(result, RowRejected):
                name = row.external_id if isinstance(row, MemberRow) else external_id
                outcome.rejected.append(_rejection(line, name, result))
            else:
                assert isinstance(row, MemberRow)
                outcome.outcomes.append((result, _points(row), row.credit or 0, line, row.external_id))
        if any(happened[0] != "unchanged" for happened in outcome.outcomes):
            record(
                session,
                business.id,
                actor=who.actor,
                action="members.import",
                obj=business,
                details={"rows": len(batch), "dry_run": seen is not None},
            )
        if seen is not None:
            raise _RollBack(outcome)
        return outcome

    try:
        outcome = db.write(work)
    except _RollBack as rolled_back:
        outcome = rolled_back.args[0]
    for happened, points, credit, line, external_id in outcome.outcomes:
        setattr(report, happened, getattr(report, happened) + 1)
        report.points += points
        report.credit += credit
        if report.changes is not None and happened != "unchanged" and len(report.changes) < MAX_CHANGES:
            report.changes.append({"line": line, "external_id": external_id, "outcome": happened})
    report.rejected += outcome.rejected


def _one(
    session: Session, business: Business, row: MemberRow, at: datetime, names: members.BenefitNames, known: set[str]
) -> str | RowRejected:
    """One row in a savepoint of its own: what happened, or why it was rejected (then nothing of it is written)."""
    try:
        with session.begin_nested():
            return members.apply(session, business, row, at=at, benefits=names, known=known)
    except RowRejected as rejected:
        return rejected
    except IntegrityError:  # another writer took the contact between the check and the INSERT
        return RowRejected("phone", "another member already has this contact")


def _new_members(
    session: Session,
    business: Business,
    fresh: list[tuple[int, MemberRow, list[tuple[str, bytes]]]],
    at: datetime,
    names: members.BenefitNames,
    known: set[str],
) -> dict[int, str | RowRejected]:
    """The batch's new members, written together; should another writer get in between (a contact taken, the same
    external id twice in the batch), one by one instead."""
    if not fresh:
        return {}
    try:
        with session.begin_nested():
            made = members.create_many(session, business, [row for _, row, _ in fresh], at=at, benefits=names)
    except IntegrityError:
        return {place: _one(session, business, row, at, names, known) for place, row, _ in fresh}
    results: dict[int, str | RowRejected] = {}
    for (place, row, _), result in zip(fresh, made, strict=True):
        results[place] = result if isinstance(result, RowRejected) else "created"
        if not isinstance(result, RowRejected):
            known.add(row.external_id)
    return results


def _points(row: MemberRow) -> int:
    return sum(lot.points for lot in row.lots or [])


def _rejection(line: int, external_id: str, rejected: RowRejected) -> dict[str, Any]:
    return {"line": line, "external_id": external_id or None, "field": rejected.field, "reason": rejected.reason}


def _digests(business: Business, row: MemberRow) -> list[tuple[str, bytes]]:
    """8-byte digests of the row's external id and contacts, spelled as stored (a bad one is for `apply` to
    reject), for a dry run's check that no earlier row of another member has the contacts; the id comes first."""
    try:
        spelled = members.spelled(business, row.profile)
    except RowRejected:
        spelled = {}
    keys = [("external_id", row.external_id)]
    keys += [(name, str(spelled[name])) for name in ("phone", "email", "member_number") if spelled.get(name)]
    return [(name, hashlib.blake2b(f"{name}:{value}".encode(), digest_size=8).digest()) for name, value in keys]


def _check_unseen(seen: dict[bytes, bytes], digests: list[tuple[str, bytes]]) -> None:
    """A contact an earlier row of another member used (a row naming the same member again is its update)."""
    member = digests[0][1]
    for name, digest in digests[1:]:
        if seen.get(digest, member) != member:
            raise RowRejected(name, f"an earlier row of the file has this {name.replace('_', ' ')}")


def _remember(seen: dict[bytes, bytes], digests: list[tuple[str, bytes]]) -> None:
    member = digests[0][1]
    for _, digest in digests[1:]:
        seen[digest] = member
