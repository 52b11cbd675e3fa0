"""Failed promo codes are limited per terminal and per business, as identification is.

A code refused as unknown or used up is a possible guess: each one is a `code_failure` row. Once a terminal's
(or the whole business's) failures in the window would pass the limit, every request carrying codes from it is
refused with 429 and `Retry-After`, whether or not its codes would have worked, through quotes, purchases and
`/v1/codes/redeem` alike. A request with more codes than the window has room for is refused whole, so the
limit is exact: at most `code_failures_per_terminal` failed codes per terminal and window, whatever the
requests carry.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, localcontext

from sqlalchemy import ColumnElement, case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from loyalty.campaigns import codes
from loyalty.db.ids import new_id
from loyalty.db.models import CodeBatch, CodeFailure, PromoCode
from loyalty.members.identification import TooManyAttempts
from loyalty.settings import Settings

# A guess: a code that does not exist, or whose uses are spent (a one-time code of a batch).
GUESSES = codes.GUESSES


def check(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID | None,
    settings: Settings,
    at: datetime,
    attempts: int,
    keys: Sequence[str] = (),
) -> None:
    """TooManyAttempts when `attempts` more failures would pass the terminal's or the business's limit. With the
    `keys` of a sale's codes (`guess_key`), those this terminal already failed on that sale are no new attempt."""
    if attempts <= 0:
        return
    window = timedelta(seconds=settings.code_window_seconds)
    scopes: list[tuple[str, int, ColumnElement[bool]]] = [
        ("business", settings.code_failures_per_business, CodeFailure.business_id == business_id)
    ]
    if terminal_id is not None:
        scopes.insert(0, ("terminal", settings.code_failures_per_terminal, CodeFailure.terminal_id == terminal_id))
    for scope, limit, where in scopes:
        base = select(CodeFailure.at).where(CodeFailure.business_id == business_id, where, CodeFailure.at > at - window)
        if scope == "terminal" and keys:
            # The same statement counts this sale's codes the terminal already failed on: they are no new attempt.
            already = func.count(case((CodeFailure.guess.in_(set(keys)), 1)))
            window_of = (CodeFailure.business_id == business_id, where, CodeFailure.at > at - window)
            count, counted = session.execute(select(func.count(), already).where(*window_of)).one()
            attempts -= int(counted or 0)
            if attempts <= 0:
                return
        else:
            count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        if count + attempts > limit:
            # Room for `attempts` comes when the failures that fill it grow old; more than the limit never fits.
            excess = min(count, count + attempts - limit)
            freeing = session.scalar(base.order_by(CodeFailure.at).offset(max(0, excess - 1)).limit(1)) or at
            wait = window.total_seconds() if attempts > limit else (freeing + window - at).total_seconds()
            raise TooManyAttempts(max(1, math.ceil(wait)), scope)


def guesses_in(rejected: Iterable[dict[str, str]]) -> int:
    """How many of a sale's rejected entries are codes refused as unknown or used up (as a till reads them)."""
    return sum(1 for entry in rejected if "code" in entry and entry.get("reason") == codes.ALIKE_REASON)


def guess_key(transaction_id: str, code: str) -> str:
    """What makes a failed code on a sale one guess: the sale's transaction id and the code as normalised."""
    return hashlib.sha256(f"{transaction_id}\n{codes.normalise(code)}".encode()).hexdigest()


def sale_keys(transaction_id: str, typed: Iterable[str]) -> list[str]:
    """The keys of the distinct codes typed on a sale."""
    return sorted({guess_key(transaction_id, text) for text in typed})


def guessed_on_sale(transaction_id: str, rejected: Iterable[dict[str, str]]) -> list[str]:
    """The keys of a sale's codes refused as unknown or used up."""
    return sale_keys(
        transaction_id,
        (entry["code"] for entry in rejected if "code" in entry and entry.get("reason") == codes.ALIKE_REASON),
    )


def note(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID | None,
    settings: Settings,
    at: datetime,
    guesses: int = 0,
    keys: Sequence[str] = (),
) -> None:
    """Record `guesses` failures, or one per key of a sale's failed codes that this terminal has not failed on
    that sale yet (a till prices a sale again and again, with the same wrong code still on it)."""
    if guesses <= 0 and not keys:
        return
    # Failures older than the window count for nothing; dropping them here keeps the table small.
    old = at - timedelta(seconds=settings.code_window_seconds)
    session.execute(delete(CodeFailure).where(CodeFailure.business_id == business_id, CodeFailure.at <= old))
    rows = [
        {"id": new_id(), "business_id": business_id, "terminal_id": terminal_id, "at": at, "guess": key} for key in keys
    ]
    rows += [
        {"id": new_id(), "business_id": business_id, "terminal_id": terminal_id, "at": at, "guess": None}
        for _ in range(guesses)
    ]
    # A key already there (another request of the same sale got there first) is no new failure.
    made = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(CodeFailure)
    session.execute(made.on_conflict_do_nothing(), rows)


# --- the guessing risk ----------------------------------------------------------------------------

DAY_SECONDS = 86_400
WARNING_THRESHOLD = Decimal("0.01")


@dataclass(frozen=True)
class Risk:
    live_codes: int  # unused one-time codes that work now
    attempts_per_day: int
    attempts_per_day_one_terminal: int
    chance_per_attempt: Decimal
    daily_chance: Decimal
    daily_chance_one_terminal: Decimal
    warning: str | None


def risk(session: Session, *, business_id: uuid.UUID, settings: Settings, at: datetime) -> Risk:
    """How likely a till guessing codes all day at the business-wide limit hits one of the live one-time codes."""
    live = session.execute(
        select(CodeBatch.length, func.count())
        .join(PromoCode, (PromoCode.batch_id == CodeBatch.id) & (PromoCode.business_id == CodeBatch.business_id))
        .where(
            PromoCode.business_id == business_id,
            PromoCode.uses < func.coalesce(PromoCode.max_uses, 1),
            or_(PromoCode.valid_from.is_(None), PromoCode.valid_from <= at),
            or_(PromoCode.valid_until.is_(None), PromoCode.valid_until > at),
        )
        .group_by(CodeBatch.length)
    ).all()
    windows_per_day = Decimal(DAY_SECONDS) / Decimal(settings.code_window_seconds)
    attempts = int(settings.code_failures_per_business * windows_per_day)
    attempts_one = int(settings.code_failures_per_terminal * windows_per_day)
    with localcontext() as exact:
        exact.prec = 28
        per_attempt = sum(
            (Decimal(count) / Decimal(len(codes.ALPHABET)) ** length for length, count in live), Decimal(0)
        )
        daily = 1 - (1 - per_attempt) ** attempts
        daily_one = 1 - (1 - per_attempt) ** attempts_one
    total = sum(count for _, count in live)
    warning = None
    if daily > WARNING_THRESHOLD:
        warning = (
            f"With {total:,} unused one-time codes, guessing at the limit ({attempts:,} failed codes a day) has a "
            f"{(daily * 100).quantize(Decimal('0.01'))}% chance a day of finding one. "
            "Use longer codes for large batches."
        )
    return Risk(total, attempts, attempts_one, per_attempt, daily, daily_one, warning)
