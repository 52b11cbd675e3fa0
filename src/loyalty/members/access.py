"""Businesses, branches, terminals and API keys: who may do what, for which business."""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import held, later, scoped
from loyalty.db.models import ApiKey, Branch, Business, Terminal, now
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import business_rows

KEY_KINDS = ("admin", "pos", "member")


class KeyInvalid(Exception):
    """Missing, unknown, expired or revoked key."""


class KeyKindRefused(Exception):
    """A valid key of a kind this endpoint does not take."""


def require_kind(who: Principal, *kinds: str) -> None:
    """A use case's own check of the caller's key kind, so no door can let another kind through."""
    if who.kind not in kinds:
        raise KeyKindRefused(f"This needs a key of kind {' or '.join(kinds)}, not {who.kind}.")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's kind, its business and, for a till, its branch and terminal."""

    key_id: uuid.UUID
    kind: str
    business_id: uuid.UUID
    branch_id: uuid.UUID | None = None
    terminal_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    expires_at: datetime | None = None

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"

    def expired(self, at: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= at


@dataclass(frozen=True)
class NewBusiness:
    business: Business
    branch: Branch
    terminal: Terminal
    admin_key: str
    pos_key: str


def hash_key(raw: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 cannot be reversed and stays indexable.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_business(
    session: Session, *, name: str, currency: str = "EUR", country: str = "CH", timezone: str = "Europe/Zurich"
) -> NewBusiness:
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput("currency", f"{currency!r} is not an ISO 4217 code such as EUR or CHF")
    check_timezone(timezone)
    business = Business(name=name, currency=currency.upper(), country=country.upper(), timezone=timezone)
    session.add(business)
    session.flush()
    branch = Branch(business_id=business.id, name="Main branch")
    session.add(branch)
    session.flush()
    terminal = Terminal(business_id=business.id, branch_id=branch.id, name="Till 1")
    session.add(terminal)
    session.flush()
    admin_key, _ = issue_key(session, business_id=business.id, kind="admin", name="first admin key")
    pos_key, _ = issue_key(session, business_id=business.id, kind="pos", name="Till 1", terminal=terminal)
    record(session, business.id, actor="cli", action="business.create", obj=business)
    return NewBusiness(business, branch, terminal, admin_key, pos_key)


def issue_key(
    session: Session,
    *,
    business_id: uuid.UUID,
    kind: str,
    name: str = "",
    terminal: Terminal | None = None,
    member_id: uuid.UUID | None = None,
    lifetime: timedelta | None = None,
) -> tuple[str, ApiKey]:
    """Make a key; the raw key is returned once and only its hash is kept."""
    if kind not in KEY_KINDS:
        raise ValueError(f"unknown key kind {kind!r}")
    if kind == "pos" and terminal is None:
        raise ValueError("a pos key belongs to a terminal")
    raw = f"lk_{kind}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        business_id=business_id,
        kind=kind,
        name=name,
        prefix=raw[: len(kind) + 8],
        key_hash=hash_key(raw),
        branch_id=terminal.branch_id if terminal else None,
        terminal_id=terminal.id if terminal else None,
        member_id=member_id,
        expires_at=now() + lifetime if lifetime else None,
    )
    session.add(key)
    session.flush()
    return raw, key


def authenticate(session: Session, raw: str | None, *, at: datetime | None = None) -> Principal:
    if not raw:
        raise KeyInvalid("no key")
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    moment = at or now()
    if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= moment):
        raise KeyInvalid("unknown, expired or revoked key")
    return Principal(key.id, key.kind, key.business_id, key.branch_id, key.terminal_id, key.member_id, key.expires_at)


class KeyCache:
    """What a key is, by its hash: the facts of a key that never change (id, kind, business, till, member,
    expiry), so a request learns its caller without a query. Whether the key is still valid is never cached:
    `still_valid` asks the database in the request's own transaction, so a revocation holds at once in every
    process. Unknown keys are not remembered (random guesses cannot fill it); past `size` the oldest go."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._known: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def get(self, raw: str) -> Principal | None:
        return self._known.get(hash_key(raw))

    def remember(self, raw: str, who: Principal) -> None:
        with self._lock:
            while len(self._known) >= self.size:
                del self._known[next(iter(self._known))]
            self._known[hash_key(raw)] = who


def still_valid(session: Session, who: Principal, *, at: datetime) -> Business:
    """The caller's business, read by the statement that checks the caller's key is neither revoked nor expired
    (KeyInvalid otherwise). Run first in a transaction, it is kept for `business` to give the rest of it: shared
    between requests and read only (`business_rows`)."""
    values = {"business": who.business_id, "key": who.key_id, "at": at}
    row = later.first(session, business_rows.statement(), values)
    if row is None:
        raise KeyInvalid("revoked or expired key")
    found = _rows.business(row, session.get_bind().dialect)
    held.keep(session, found)
    return found


_rows = business_rows.BusinessRows()


def revoke_key(session: Session, *, business_id: uuid.UUID, key_id: uuid.UUID, actor: str) -> ApiKey:
    key = scoped.get(session, ApiKey, key_id, business_id=business_id)
    if key is None or key.business_id != business_id:
        raise NotFound("key")
    if key.revoked_at is None:
        key.revoked_at = now()
        record(session, business_id, actor=actor, action="key.revoke", obj=key)
    return key


def keys(session: Session, *, business_id: uuid.UUID) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.business_id == business_id, ApiKey.kind != "member")
    return list(session.scalars(query.order_by(ApiKey.created_at)))


def check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"{name!r} is not an IANA time zone such as Europe/Zurich") from None


def business(session: Session, business_id: uuid.UUID) -> Business:
    """The business, to read: the one this transaction holds (the caller's, as the key check read it), or loaded."""
    return held.business(session, business_id) or business_to_change(session, business_id)


def business_to_change(session: Session, business_id: uuid.UUID) -> Business:
    """The business loaded in this session, whose changes are written with it."""
    found = session.get(Business, business_id)
    if found is None:
        raise NotFound("business")
    return found


def terminal(session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID) -> Terminal:
    found = scoped.get(session, Terminal, terminal_id, business_id=business_id)
    if found is None or found.business_id != business_id:
        raise NotFound("terminal")
    return found


def end_member_sessions(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> int:
    """Revoke every app session of the member (their contact changed: whoever logged in by the old one is out)."""
    ended = session.execute(
        update(ApiKey)
        .where(
            ApiKey.business_id == business_id,
            ApiKey.kind == "member",
            ApiKey.member_id == member_id,
            ApiKey.revoked_at.is_(None),
        )
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(ended.rowcount)  # type: ignore[attr-defined]
