"""Failed identifications as a till and a manager see them: how many tries a till has left before it pauses,
which tills are paused (or close to it), and lifting a pause.

A pause protects the short codes from guessing; a manager who knows the failures were honest mistakes lifts it
by forgetting the failures counted against that till (or against the whole business). That is audited.
"""

from __future__ import annotations

import functools
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, select
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import later, scoped
from loyalty.db.models import Business, IdentifyFailure, Terminal
from loyalty.errors import NotFound
from loyalty.settings import Settings


@dataclass(frozen=True)
class TerminalFailures:
    terminal_id: uuid.UUID
    name: str
    failures: int
    limit: int
    paused: bool
    retry_after: int  # seconds until the till may search again (0 when it may now)


def _since(settings: Settings, at: datetime) -> datetime:
    return at - timedelta(seconds=settings.identify_window_seconds)


GUESS = "guess"  # a short code that named nobody: what the limits count
LOOKUP = "lookup"  # a phone, an e-mail or a member number that named nobody: ordinary, under its own ceiling


def _count(session: Session, business_id: uuid.UUID, since: datetime, terminal_id: uuid.UUID | None) -> int:
    query = select(func.count()).where(
        IdentifyFailure.business_id == business_id, IdentifyFailure.kind == GUESS, IdentifyFailure.at > since
    )
    if terminal_id is not None:
        query = query.where(IdentifyFailure.terminal_id == terminal_id)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class WindowFailures:
    business: int
    terminal: int  # 0 without a terminal


def window_failures(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID | None, since: datetime, kind: str = GUESS
) -> WindowFailures:
    """The failures of `kind` after `since`, business-wide and at the terminal, in one round trip.

    Each count is a range seek on its own index, (business, kind, at) and (business, terminal, kind, at), over the
    window only: the limits refuse before noting more, so neither range outgrows its limit.
    """
    values = {"business": business_id, "kind": kind, "since": since}
    if terminal_id is None:
        return WindowFailures(later.first(session, _business_count(), values)[0] or 0, 0)
    counted = later.first(session, _both_counts(), {**values, "terminal": terminal_id})
    return WindowFailures(counted[0] or 0, counted[1] or 0)


def _in_window() -> tuple[ColumnElement[bool], ...]:
    return (
        IdentifyFailure.business_id == bindparam("business"),
        IdentifyFailure.kind == bindparam("kind"),
        IdentifyFailure.at > bindparam("since"),
    )


@functools.cache
def _business_count() -> Any:
    """`window_failures`' statements, built once (every identification runs one) and run on the driver's cursor
    (`later.first`: their answers are plain counts)."""
    return select(select(func.count()).where(*_in_window()).scalar_subquery())


@functools.cache
def _both_counts() -> Any:
    business = select(func.count()).where(*_in_window()).scalar_subquery()
    terminal = select(func.count()).where(*_in_window(), IdentifyFailure.terminal_id == bindparam("terminal"))
    return select(business, terminal.scalar_subquery())


def tries_left(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID | None, settings: Settings, at: datetime
) -> int:
    """Failed searches this till may still make before it pauses (the tighter of its own and the business's)."""
    counted = window_failures(session, business_id=business_id, terminal_id=terminal_id, since=_since(settings, at))
    left = settings.identify_failures_per_business - counted.business
    if terminal_id is not None:
        left = min(left, settings.identify_failures_per_terminal - counted.terminal)
    return max(left, 0)


def by_terminal(session: Session, *, business: Business, settings: Settings, at: datetime) -> list[TerminalFailures]:
    """Every till with failures in the window, paused ones first."""
    since = _since(settings, at)
    rows = session.execute(
        select(IdentifyFailure.terminal_id, func.count())
        .where(
            IdentifyFailure.business_id == business.id,
            IdentifyFailure.kind == GUESS,
            IdentifyFailure.at > since,
            IdentifyFailure.terminal_id.is_not(None),
        )
        .group_by(IdentifyFailure.terminal_id)
    ).all()
    names = {
        terminal.id: terminal.name
        for terminal in session.scalars(select(Terminal).where(Terminal.business_id == business.id))
    }
    limit = settings.identify_failures_per_terminal
    found = []
    for terminal_id, failures in rows:
        if terminal_id is None:
            continue
        paused = failures >= limit
        wait = 0
        if paused:
            # The window frees a slot when the failure that reached the limit grows old.
            reaching = session.scalar(
                select(IdentifyFailure.at)
                .where(
                    IdentifyFailure.business_id == business.id,
                    IdentifyFailure.terminal_id == terminal_id,
                    IdentifyFailure.kind == GUESS,
                    IdentifyFailure.at > since,
                )
                .order_by(IdentifyFailure.at)
                .offset(failures - limit)
                .limit(1)
            )
            if reaching is not None:
                seconds = (reaching + timedelta(seconds=settings.identify_window_seconds) - at).total_seconds()
                wait = max(1, math.ceil(seconds))
        found.append(TerminalFailures(terminal_id, names.get(terminal_id, "?"), failures, limit, paused, wait))
    return sorted(found, key=lambda entry: (not entry.paused, -entry.failures, entry.name))


def business_failures(session: Session, *, business: Business, settings: Settings, at: datetime) -> int:
    return _count(session, business.id, _since(settings, at), None)


def lift(session: Session, *, business: Business, terminal_id: uuid.UUID | None, actor: str) -> int:
    """Forget the failures counted against a till (or, with None, against every till of the business)."""
    query = delete(IdentifyFailure).where(IdentifyFailure.business_id == business.id)
    if terminal_id is not None:
        terminal = scoped.get(session, Terminal, terminal_id, business_id=business.id)
        if terminal is None or terminal.business_id != business.id:
            raise NotFound("terminal")
        query = query.where(IdentifyFailure.terminal_id == terminal_id)
    forgotten: int = session.execute(query).rowcount  # type: ignore[attr-defined]
    record(
        session,
        business.id,
        actor=actor,
        action="identification.lift_pause",
        obj=business if terminal_id is None else scoped.get(session, Terminal, terminal_id, business_id=business.id),
        details={"terminal_id": str(terminal_id) if terminal_id else None, "failures_forgotten": forgotten},
    )
    return forgotten
