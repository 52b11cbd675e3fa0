"""Finding the member at the till: by phone, e-mail, member number, or the short code / QR the member app shows.

The short code is what a member reads out (4 digits by default), so it is guessable by design; what keeps it safe is
that it lives for minutes, works once, and failed attempts are limited per terminal and per business
(docs/security.md has the arithmetic). The QR payload carries 192 random bits and cannot be guessed at all.
The till looks both up by keyed hashes; a code that is wrong, expired or already used gets the same answer. A
member has one live code at a time, which every device of the member shows (`current_code`): it is kept beside
its hashes for its few minutes of life and goes at use, at expiry or when the member asks for a new one.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.db import later
from loyalty.db.models import Business, IdentificationCode, IdentifyFailure, Member
from loyalty.errors import Conflict, LoyaltyError
from loyalty.members import accounts as members
from loyalty.members import lockouts, views
from loyalty.members.views import MemberView
from loyalty.settings import Settings

WAYS = ("phone", "code", "qr", "email", "member_number")
QR_BYTES = 24  # 192 bits: well past the 128 a guess would have to beat
MAX_DRAWS = 50
WARNING_THRESHOLD = Decimal("0.01")
DAY_SECONDS = 86_400


class TooManyAttempts(LoyaltyError):
    """Too many failed identifications from this terminal or this business in the window (HTTP 429)."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int, scope: str, counted: str = "codes") -> None:
        what = "failed attempts" if counted == "codes" else "searches that found nobody"
        super().__init__(
            f"Too many {what} from this {scope}; try again in {retry_after} seconds.",
            retry_after=retry_after,
            scope=scope,
            counted=counted,
        )
        self.retry_after = retry_after


class CodeSpaceExhausted(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "code_space_exhausted",
            "No free identification code is left right now; lengthen the business's identification codes.",
        )


def digest(business_id: uuid.UUID, kind: str, value: str) -> str:
    """The keyed hash a code or QR payload is stored and looked up by.

    Keyed by the business so equal codes of two businesses never share a hash. It hides a QR token (192 bits)
    completely; it cannot hide a 4-digit code from someone holding the database, and need not: such a code
    dies within minutes.
    """
    message = f"{kind}:{value}".encode()
    return hmac.new(business_id.bytes, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str
    qr: str
    expires_at: datetime


def issue_code(session: Session, *, business: Business, member_id: uuid.UUID, at: datetime) -> IssuedCode:
    """A fresh code and QR payload for the member, replacing their previous ones. The caller audits."""
    # The member's row lock makes two concurrent requests for a code queue, so only the newest code stays live.
    locked = session.scalar(
        select(Member.id).where(Member.id == member_id, Member.business_id == business.id).with_for_update()
    )
    if locked is None:
        raise members.MemberNotFound()
    session.execute(
        delete(IdentificationCode).where(
            IdentificationCode.business_id == business.id, IdentificationCode.member_id == member_id
        )
    )
    length = business.identification_code_length
    expires_at = at + timedelta(seconds=business.identification_code_ttl_seconds)
    qr = secrets.token_urlsafe(QR_BYTES)
    for _ in range(MAX_DRAWS):
        code = f"{secrets.randbelow(10**length):0{length}d}"
        code_hash = digest(business.id, "code", code)
        # A dead code may keep its hash row a while; only a live one makes the draw collide.
        session.execute(
            delete(IdentificationCode).where(
                IdentificationCode.business_id == business.id,
                IdentificationCode.code_hash == code_hash,
                IdentificationCode.expires_at <= at,
            )
        )
        row = IdentificationCode(
            business_id=business.id,
            member_id=member_id,
            code_hash=code_hash,
            qr_hash=digest(business.id, "qr", qr),
            code=code,
            qr=qr,
            created_at=at,
            expires_at=expires_at,
        )
        try:
            # A savepoint: a live collision (or a concurrent draw of the same code) just means draw again.
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        return IssuedCode(code, qr, expires_at)
    raise CodeSpaceExhausted()


def current_code(session: Session, *, business: Business, member_id: uuid.UUID, at: datetime) -> IssuedCode:
    """The member's live code, the same on every device; a new one only when none is live (used or expired)."""
    locked = session.scalar(
        select(Member.id).where(Member.id == member_id, Member.business_id == business.id).with_for_update()
    )
    if locked is None:
        raise members.MemberNotFound()
    live = session.scalar(
        select(IdentificationCode)
        .where(
            IdentificationCode.business_id == business.id,
            IdentificationCode.member_id == member_id,
            IdentificationCode.expires_at > at,
            IdentificationCode.code != "",
        )
        .order_by(IdentificationCode.created_at.desc())
        .limit(1)
    )
    if live is not None:
        return IssuedCode(live.code, live.qr, live.expires_at)
    return issue_code(session, business=business, member_id=member_id, at=at)


# --- identify -------------------------------------------------------------------------------------


def check_limits(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID | None, settings: Settings, at: datetime
) -> None:
    """Refuse with TooManyAttempts once the terminal's or the business's failed codes fill the window."""
    since = at - timedelta(seconds=settings.identify_window_seconds)
    counted = lockouts.window_failures(session, business_id=business_id, terminal_id=terminal_id, since=since)
    scopes: list[tuple[str, int, int, list[ColumnElement[bool]]]] = [
        ("business", settings.identify_failures_per_business, counted.business, [])
    ]
    if terminal_id is not None:
        by_terminal = [IdentifyFailure.terminal_id == terminal_id]
        scopes.insert(0, ("terminal", settings.identify_failures_per_terminal, counted.terminal, by_terminal))
    for scope, limit, count, where in scopes:
        if count >= limit:
            # The window frees a slot when the failure that put it over the limit grows old.
            freeing = (
                session.scalar(
                    select(IdentifyFailure.at)
                    .where(
                        IdentifyFailure.business_id == business_id,
                        *where,
                        IdentifyFailure.kind == lockouts.GUESS,
                        IdentifyFailure.at > since,
                    )
                    .order_by(IdentifyFailure.at)
                    .offset(count - limit)
                    .limit(1)
                )
                or at
            )
            wait = (freeing + timedelta(seconds=settings.identify_window_seconds) - at).total_seconds()
            raise TooManyAttempts(max(1, math.ceil(wait)), scope)


def check_lookups(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID | None, settings: Settings, at: datetime
) -> None:
    """Refuse further phone, e-mail and member-number lookups at a terminal once those that found nobody fill its
    own, much higher ceiling: a sweep through numbers stops, a till's customers never reach it. Codes, QR scans
    and sales are never refused by it."""
    if terminal_id is None:
        return
    since = at - timedelta(seconds=settings.identify_window_seconds)
    counted = lockouts.window_failures(
        session, business_id=business_id, terminal_id=terminal_id, since=since, kind=lockouts.LOOKUP
    )
    limit = settings.identify_lookups_per_terminal
    if counted.terminal < limit:
        return
    freeing = (
        session.scalar(
            select(IdentifyFailure.at)
            .where(
                IdentifyFailure.business_id == business_id,
                IdentifyFailure.terminal_id == terminal_id,
                IdentifyFailure.kind == lockouts.LOOKUP,
                IdentifyFailure.at > since,
            )
            .order_by(IdentifyFailure.at)
            .offset(counted.terminal - limit)
            .limit(1)
        )
        or at
    )
    wait = (freeing + timedelta(seconds=settings.identify_window_seconds) - at).total_seconds()
    raise TooManyAttempts(max(1, math.ceil(wait)), "terminal", counted="lookups")


def identify(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID | None,
    way: str,
    value: str,
    settings: Settings,
    at: datetime,
) -> MemberView | None:
    """The member that `value` names, or None after noting a failed attempt.

    On None the caller must still commit (the failure is what the limits count) and then answer 404.
    A code or QR payload that identifies is spent: it works once.
    """
    if way not in WAYS:
        raise ValueError(f"cannot identify by {way!r}")
    # Only a short code is guessable: it alone is paused by the limits and counted in them. A QR payload (192
    # random bits) cannot be guessed; a phone, an e-mail or a member number that finds nobody is a customer who is
    # not a member yet, counted apart under a much higher ceiling per terminal that pauses only such lookups.
    guessable = way == "code"
    lookup = way in ("phone", "email", "member_number")
    if guessable:
        check_limits(session, business_id=business.id, terminal_id=terminal_id, settings=settings, at=at)
    elif lookup:
        check_lookups(session, business_id=business.id, terminal_id=terminal_id, settings=settings, at=at)
    member: MemberView | None
    if way in ("code", "qr"):
        member = _by_code(session, business=business, kind=way, value=value.strip(), at=at)
    else:
        spelled = members.spelled_as_stored(business, way, value)
        member = views.by_contact(session, business_id=business.id, field=way, value=spelled)
    if member is not None and member.status in ("pending", "erased"):
        member = None  # not a member until the app's login code proved the number or address; erased: nobody
    if member is not None and way == "phone" and member.phone_verified_at is None:
        member = None  # anyone can type a number: only one proven by SMS (or vouched for by staff) finds a member
    if member is not None and way == "email" and member.email_verified_at is None:
        member = None  # as for a phone: an address a till filled in finds nobody until a code sent there came back
    if member is None and (guessable or lookup):
        kind = lockouts.GUESS if guessable else lockouts.LOOKUP
        _note_failure(session, business_id=business.id, terminal_id=terminal_id, kind=kind, settings=settings, at=at)
    return member


def _by_code(session: Session, *, business: Business, kind: str, value: str, at: datetime) -> MemberView | None:
    if kind == "code" and not (value.isdigit() and len(value) == business.identification_code_length):
        return None
    wanted = digest(business.id, kind, value)
    # Found and spent in one statement, a seek on the unique (business, hash) index. Single use: whoever deletes
    # the row identified with it; a concurrent second attempt deletes nothing and finds nobody.
    spent = later.records(session, _SPEND[kind], {"business": business.id, "hash": wanted, "at": at})
    if not spent:
        return None
    return views.by_id(session, business_id=business.id, member_id=spent[0].member_id)


def _spend(column: Any) -> Any:
    return (
        delete(IdentificationCode)
        .where(
            IdentificationCode.business_id == bindparam("business"),
            column == bindparam("hash"),
            IdentificationCode.expires_at > bindparam("at"),
        )
        .returning(IdentificationCode.member_id)
    )


# Built once: a till spends a code or a QR payload at most sales.
_SPEND = {"code": _spend(IdentificationCode.code_hash), "qr": _spend(IdentificationCode.qr_hash)}


def _note_failure(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID | None,
    kind: str,
    settings: Settings,
    at: datetime,
) -> None:
    # Failures older than the window count for nothing; dropping them here keeps the table small.
    session.execute(
        delete(IdentifyFailure).where(
            IdentifyFailure.business_id == business_id,
            IdentifyFailure.at <= at - timedelta(seconds=settings.identify_window_seconds),
        )
    )
    session.add(IdentifyFailure(business_id=business_id, terminal_id=terminal_id, at=at, kind=kind))
    session.flush()


# --- the guessing risk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    live_codes: int
    code_length: int
    code_space: int
    attempts_per_day: int
    attempts_per_day_one_terminal: int
    chance_per_attempt: Decimal
    daily_chance: Decimal
    daily_chance_one_terminal: Decimal
    warning: str | None


def risk(session: Session, *, business: Business, settings: Settings, at: datetime) -> Risk:
    """How likely a till that guesses codes all day at the business-wide limit hits someone's live code."""
    live = (
        session.scalar(
            select(func.count()).where(
                IdentificationCode.business_id == business.id, IdentificationCode.expires_at > at
            )
        )
        or 0
    )
    length = business.identification_code_length
    space = 10**length
    windows_per_day = Decimal(DAY_SECONDS) / Decimal(settings.identify_window_seconds)
    attempts = int(settings.identify_failures_per_business * windows_per_day)
    attempts_one = int(settings.identify_failures_per_terminal * windows_per_day)
    with localcontext() as exact:
        exact.prec = 28
        per_attempt = Decimal(min(live, space)) / Decimal(space)
        # Each failed guess is independent enough (codes churn every few minutes) to treat as a fresh draw.
        daily = 1 - (1 - per_attempt) ** attempts
        daily_one = 1 - (1 - per_attempt) ** attempts_one
    warning = None
    if daily > WARNING_THRESHOLD:
        warning = (
            f"With {live} live code{'' if live == 1 else 's'} of {length} digits, guessing at the limit "
            f"({attempts} attempts a day) has a {_percent(daily)} chance a day of finding someone's code. "
            f"Use longer codes (identification_code_length), a shorter lifetime, or the QR code."
        )
    return Risk(live, length, space, attempts, attempts_one, per_attempt, daily, daily_one, warning)


def _percent(chance: Decimal) -> str:
    return f"{(chance * 100).quantize(Decimal('0.01'))}%"
