"""Codes as the Campaign Center makes and reads them: one shared code or a batch of one-time codes, listed,
and a batch exported as CSV."""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.campaigns.codes.common import CodeExists, CodeNotFound, normalise
from loyalty.db import scoped
from loyalty.db.models import Business, CodeBatch, PromoCode
from loyalty.errors import InvalidInput, NotFound
from loyalty.wallet import benefits

EFFECTS = ("benefit", "trigger")


# Bulk codes are read off paper and typed in: no 0/O, 1/I/L to confuse.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


SHARED_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,63}$")


MAX_BATCH = 10_000


MIN_LENGTH, MAX_LENGTH = 6, 32


def _check_target(
    session: Session, *, business: Business, benefit_id: uuid.UUID | None, effect: str
) -> uuid.UUID | None:
    if effect not in EFFECTS:
        raise InvalidInput("effect", f"must be one of {', '.join(EFFECTS)}")
    if effect == "trigger":
        if benefit_id is not None:
            raise InvalidInput("benefit_id", 'does not go with "effect": "trigger" (the rules decide what it gives)')
        return None
    if benefit_id is None:
        raise InvalidInput("benefit_id", 'is required, or "effect": "trigger" to fire the code_used rules')
    try:
        benefits.get(session, business_id=business.id, benefit_id=benefit_id)
    except benefits.BenefitNotFound:
        raise InvalidInput("benefit_id", "is not a benefit of this business") from None
    return benefit_id


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The validity window in UTC, as it is stored (and so answered the same at creation and later)."""
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise InvalidInput("valid_until", "must be after valid_from")
    try:
        return (
            valid_from.astimezone(UTC) if valid_from else None,
            valid_until.astimezone(UTC) if valid_until else None,
        )
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last representable UTC moment
        raise InvalidInput("valid_until" if valid_until else "valid_from", "is too far in the future") from None


def create(
    session: Session,
    *,
    business: Business,
    code: str,
    benefit_id: uuid.UUID | None = None,
    effect: str = "benefit",
    max_uses: int | None = None,
    max_uses_per_member: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    at: datetime,
) -> PromoCode:
    """One shared code. The caller audits."""
    text = normalise(code)
    if not SHARED_CODE.match(text):
        raise InvalidInput("code", "must be 3 to 64 letters, digits, - or _, starting with a letter or digit")
    target = _check_target(session, business=business, benefit_id=benefit_id, effect=effect)
    valid_from, valid_until = _check_window(valid_from, valid_until)
    for name, value in (("max_uses", max_uses), ("max_uses_per_member", max_uses_per_member)):
        if value is not None and value < 1:
            raise InvalidInput(name, "must be 1 or more, or absent for no limit")
    if session.scalar(select(PromoCode.id).where(PromoCode.business_id == business.id, PromoCode.code == text)):
        raise CodeExists()
    promo = PromoCode(
        business_id=business.id,
        code=text,
        effect=effect,
        benefit_id=target,
        max_uses=max_uses,
        max_uses_per_member=max_uses_per_member,
        valid_from=valid_from,
        valid_until=valid_until,
        created_at=at,
    )
    try:
        with session.begin_nested():  # the unique index decides between two admins creating the same code
            session.add(promo)
            session.flush()
    except IntegrityError:
        raise CodeExists() from None
    return promo


def create_batch(
    session: Session,
    *,
    business: Business,
    count: int,
    length: int = 8,
    benefit_id: uuid.UUID | None = None,
    effect: str = "benefit",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    at: datetime,
) -> tuple[CodeBatch, list[str]]:
    """`count` one-time codes of `length` characters from the readable alphabet. The caller audits."""
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput("count", f"must be between 1 and {MAX_BATCH}")
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise InvalidInput("length", f"must be between {MIN_LENGTH} and {MAX_LENGTH}")
    target = _check_target(session, business=business, benefit_id=benefit_id, effect=effect)
    valid_from, valid_until = _check_window(valid_from, valid_until)
    batch = CodeBatch(business_id=business.id, benefit_id=target, count=count, length=length, created_at=at)
    session.add(batch)
    session.flush()
    made: list[str] = []
    wanted = set[str]()
    while len(made) < count:
        fresh = {"".join(secrets.choice(ALPHABET) for _ in range(length)) for _ in range(count - len(made))}
        fresh -= wanted
        for chunk in _chunks(sorted(fresh), 500):
            taken = set(
                session.scalars(
                    select(PromoCode.code).where(PromoCode.business_id == business.id, PromoCode.code.in_(chunk))
                )
            )
            made += [code for code in chunk if code not in taken]
        wanted |= fresh
    made = made[:count]
    session.execute(
        insert(PromoCode),
        [
            {
                "business_id": business.id,
                "code": code,
                "effect": effect,
                "benefit_id": target,
                "batch_id": batch.id,
                # One-time: the single use is the limit, for an identified member or not.
                "max_uses": 1,
                "max_uses_per_member": None,
                "uses": 0,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "created_at": at,
            }
            for code in made
        ],
    )
    return batch, made


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def get(session: Session, *, business_id: uuid.UUID, code_id: uuid.UUID) -> PromoCode:
    found = scoped.get(session, PromoCode, code_id, business_id=business_id)
    if found is None or found.business_id != business_id:
        raise CodeNotFound()
    return found


def batch(session: Session, *, business_id: uuid.UUID, batch_id: uuid.UUID) -> CodeBatch:
    found = scoped.get(session, CodeBatch, batch_id, business_id=business_id)
    if found is None or found.business_id != business_id:
        raise NotFound("batch")
    return found


@dataclass(frozen=True)
class Page:
    codes: list[PromoCode]
    next_cursor: str | None


def listing(
    session: Session,
    *,
    business_id: uuid.UUID,
    batch_id: uuid.UUID | None = None,
    include_batches: bool = False,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> Page:
    """Shared codes (and, with `include_batches` or a `batch_id`, one-time ones), newest first."""
    query = select(PromoCode).where(PromoCode.business_id == business_id)
    if batch_id is not None:
        query = query.where(PromoCode.batch_id == batch_id)
    elif not include_batches:
        query = query.where(PromoCode.batch_id.is_(None))
    rows = list(session.scalars(paging.newest_first(query, PromoCode.created_at, PromoCode.id, cursor, limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, paging.encode(rows[-1].created_at, rows[-1].id) if more and rows else None)


def batch_csv(session: Session, *, business: Business, batch_id: uuid.UUID) -> str:
    """The batch's codes as CSV for printing or mailing: code, used, valid_from, valid_until."""
    found = batch(session, business_id=business.id, batch_id=batch_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "used", "valid_from", "valid_until"])
    query = select(PromoCode).where(PromoCode.business_id == business.id, PromoCode.batch_id == found.id)
    for promo in session.scalars(query.order_by(PromoCode.code)):
        writer.writerow(
            [
                promo.code,
                "yes" if promo.uses >= (promo.max_uses or 1) else "no",
                promo.valid_from.isoformat() if promo.valid_from else "",
                promo.valid_until.isoformat() if promo.valid_until else "",
            ]
        )
    return out.getvalue()
