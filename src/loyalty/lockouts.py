"""Failed identifications as a till and a manager see them: how many tries a till has left before it pauses,
which tills are paused (or close to it), and lifting a pause.

A pause protects the short codes from guessing; a manager who knows the failures were honest mistakes lifts it
by forgetting the failures counted against that till (or against the whole business). That is audited.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from loyalty.audit import record
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


def _count(session: Session, business_id: uuid.UUID, since: datetime, terminal_id: uuid.UUID | None) -> int:
    query = select(func.count()).where(IdentifyFailure.business_id == business_id, IdentifyFailure.at > since)
    if terminal_id is not None:
        query = query.where(IdentifyFailure.terminal_id == terminal_id)
    return session.scalar(query) or 0


def tries_left(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID | None, settings: Settings, at: datetime
) -> int:
    """Failed searches this till may still make before it pauses (the tighter of its own and the business's)."""
    since = _since(settings, at)
    left = settings.identify_failures_per_business - _count(session, business_id, since, None)
    if terminal_id is not None:
        left = min(left, settings.identify_failures_per_terminal - _count(session, business_id, since, terminal_id))
    return max(left, 0)


def by_terminal(session: Session, *, business: Business, settings: Settings, at: datetime) -> list[TerminalFailures]:
    """Every till with failures in the window, paused ones first."""
    since = _since(settings, at)
    rows = session.execute(
        select(IdentifyFailure.terminal_id, func.count())
        .where(
            IdentifyFailure.business_id == business.id,
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
                .where(IdentifyFailure.terminal_id == terminal_id, IdentifyFailure.at > since)
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
        terminal = session.get(Terminal, terminal_id)
        if terminal is None or terminal.business_id != business.id:
            raise NotFound("terminal")
        query = query.where(IdentifyFailure.terminal_id == terminal_id)
    forgotten: int = session.execute(query).rowcount  # type: ignore[attr-defined]
    record(
        session,
        business.id,
        actor=actor,
        action="identification.lift_pause",
        obj=business if terminal_id is None else session.get(Terminal, terminal_id),
        details={"terminal_id": str(terminal_id) if terminal_id else None, "failures_forgotten": forgotten},
    )
    return forgotten
