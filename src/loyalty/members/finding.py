"""Finding the member a till names (`POST /v1/identify`, and the first step of every Como call): by a phone, an
e-mail, a member number, the app's short code or QR payload, or (Como's `commonExtId`) the member's id.

Every guard of identification is here, for both doors alike: a failed guess of a code is counted in its own
committed transaction before the refusal (the limits count it even though the call is refused), a pending member
is nobody, and a phone or e-mail address finds a member only once proven.
"""

from __future__ import annotations

import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import Forbidden
from loyalty.members import access, cards, identification, lockouts, tills
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.settings import Settings

WAYS = ("phone", "email", "member_number", "code", "qr", "id")


@dataclass(frozen=True)
class Ask:
    """One way to name a member, and what the till read or was told."""

    way: str
    value: str

    def __post_init__(self) -> None:
        if self.way not in WAYS:
            raise ValueError(f"cannot identify by {self.way!r}")


def identify(db: Database, who: Principal, ask: Ask, settings: Settings) -> cards.MemberCard:
    """The member, as a till sees them; a code is spent. MemberNotFound carries the tries this till has left."""
    if who.kind != "pos" or ask.way == "id":
        raise Forbidden("forbidden", "Members are identified with a pos key, by what the member shows or tells.")

    def work(session: Session) -> cards.MemberCard | int:
        """The member found, or the tries this till has left after the failure it just noted."""
        business = access.business(session, who.business_id)
        at = now()
        member = identification.identify(
            session,
            business=business,
            terminal_id=who.terminal_id,
            way=ask.way,
            value=ask.value,
            settings=settings,
            at=at,
        )
        if member is None:
            # Counted in the transaction that noted the failure: it counts itself, with no second transaction.
            return lockouts.tries_left(
                session, business_id=business.id, terminal_id=who.terminal_id, settings=settings, at=at
            )
        record(session, business.id, actor=who.actor, action="member.identify", obj=member, details={"by": ask.way})
        return cards.card(session, business, member, who)

    found = db.write(work)
    if isinstance(found, int):
        # Raised only now, after the commit: the failed attempt must stay counted for the limits.
        not_found = members.MemberNotFound()
        # The till warns before it pauses; every failure answers alike (a code, a QR, a phone), so this leaks nothing.
        not_found.details.update(tries_left=found, pause_seconds=settings.identify_window_seconds)
        raise not_found
    return found


def name_for_sale(db: Database, who: Principal, ask: Ask, settings: Settings) -> uuid.UUID | None:
    """The member of a sale the till is recording (Como `submitPurchase`): as `name`, but a paused till never
    refuses the sale. A code it may not try now names nobody, and the sale is recorded without a member: the
    customer has paid, and an anonymous sale tells a guesser nothing about the code."""
    try:
        return name(db, who, ask, settings)
    except identification.TooManyAttempts:
        return None


def name(db: Database, who: Principal, ask: Ask, settings: Settings) -> uuid.UUID:
    """The id of the member a till names for the sale it is making (Como): a code or QR payload is kept for that
    sale, so the till's next calls name the member by it again without a new attempt."""
    if who.kind != "pos" or who.terminal_id is None:
        raise Forbidden("forbidden", "Members are identified with a pos key.")
    terminal_id = who.terminal_id

    def work(session: Session) -> uuid.UUID | None:
        business = access.business(session, who.business_id)
        at = now()
        found = _named(session, business, terminal_id, ask, settings, at)
        if found is None or found.status in ("pending", "erased"):
            return None  # an erased member is found by no identifier, their old id included
        return uuid.UUID(str(found.id))

    found = db.write(work)  # committed before the refusal: a failed guess stays counted
    if found is None:
        raise members.MemberNotFound()
    return found


def _named(session: Session, business: Any, terminal_id: uuid.UUID, ask: Ask, settings: Settings, at: datetime) -> Any:
    """The member `ask` names at this till, or None (a failed guess noted where it counts)."""
    if ask.way != "qr" and looks_like_qr(ask.value):
        # A scanner types the QR into whichever field the till has (Swift: commonExtId, phoneNumber): a live payload
        # identifies there too, once, and is kept for the sale like any QR; a dead one finds nobody. No phone,
        # address, id or short code has this shape, and a QR is never a counted guess.
        return tills.identify_by_code(
            session, business=business, terminal_id=terminal_id, kind="qr", value=ask.value, settings=settings, at=at
        )
    if ask.way in ("code", "qr"):
        return tills.identify_by_code(
            session, business=business, terminal_id=terminal_id, kind=ask.way, value=ask.value, settings=settings, at=at
        )
    if ask.way == "id":
        return _by_id(session, business.id, ask.value)
    return identification.identify(
        session, business=business, terminal_id=terminal_id, way=ask.way, value=ask.value, settings=settings, at=at
    )


QR_LENGTH = len(secrets.token_urlsafe(identification.QR_BYTES))
URLSAFE = frozenset(string.ascii_letters + string.digits + "-_")


def looks_like_qr(value: str) -> bool:
    """Whether `value` has the shape of the app's QR payload (no phone, e-mail, member id or short code has it)."""
    text = value.strip()
    return len(text) == QR_LENGTH and all(char in URLSAFE for char in text)


def _by_id(session: Session, business_id: uuid.UUID, text: str) -> Any:
    try:
        member_id = uuid.UUID(text.strip())
    except ValueError:
        return None
    try:
        return members.get(session, business_id=business_id, member_id=member_id)
    except members.MemberNotFound:
        return None
