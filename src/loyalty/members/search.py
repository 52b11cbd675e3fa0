"""Finding members in the admin's list: newest first, by a phone in any spelling, a name, an e-mail or a number."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from loyalty import paging
from loyalty.db.models import Business, Member
from loyalty.errors import InvalidInput
from loyalty.members.accounts import normalise_phone


@dataclass(frozen=True)
class Page:
    members: list[Member]
    next_cursor: str | None


def search(
    session: Session,
    *,
    business: Business,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> Page:
    """Members newest first; `q` matches a phone (any spelling), a name, an e-mail address or a member number."""
    query = select(Member).where(Member.business_id == business.id)
    text = (q or "").strip()
    if text:
        query = query.where(_matches(text, business.country))
    rows = list(session.scalars(paging.newest_first(query, Member.created_at, Member.id, cursor, limit)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = paging.encode(rows[-1].created_at, rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)


def _matches(text: str, country: str) -> ColumnElement[bool]:
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    options: list[ColumnElement[bool]] = [
        func.lower(Member.first_name).like(pattern, escape="\\"),
        func.lower(Member.last_name).like(pattern, escape="\\"),
        func.lower(func.coalesce(Member.first_name, "") + " " + func.coalesce(Member.last_name, "")).like(
            pattern, escape="\\"
        ),
        Member.email.like(pattern, escape="\\"),
        func.lower(Member.member_number).like(pattern, escape="\\"),
    ]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3 and re.fullmatch(r"[\d\s+()./-]+", text):
        with contextlib.suppress(InvalidInput):  # not a whole number: the digits below still match a part
            options.append(Member.phone == normalise_phone(text, country))
        # A part of a number ("45 67") finds the members whose number contains those digits.
        options.append(Member.phone.like(f"%{digits}%"))
    return or_(*options)
