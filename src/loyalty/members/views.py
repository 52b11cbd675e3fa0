"""A member's row as read, for a use case that only reads it (a till's identify and the card it answers): plain
data from the driver's cursor. The ORM's identity map and change tracking cost some three times the statement
itself on SQLite; a use case that changes the member loads a `Member`."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from loyalty.db import later
from loyalty.db.models import Member


@dataclass(frozen=True, slots=True)
class MemberView:
    """Every column of a member's row, as `Member` has them."""

    __tablename__: ClassVar[str] = "member"  # what the audit names it by, as a Member

    id: uuid.UUID
    business_id: uuid.UUID
    phone: str | None
    email: str | None
    member_number: str | None
    first_name: str
    last_name: str
    birthday: date | None
    status: str
    tags: list[Any]
    consent_terms: bool
    consent_sms: bool
    consent_email: bool
    points_balance: int
    lifetime_points: int
    created_at: datetime
    phone_verified_at: datetime | None
    email_verified_at: datetime | None
    joined_at: datetime | None
    credit_balance: int
    tier: str | None
    tier_since: datetime | None
    language: str | None
    attributes: dict[str, Any] | None
    external_id: str | None
    erased_at: datetime | None


def by_id(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> MemberView | None:
    """Member `member_id` of business `business_id`, or None."""
    return _one(session, _statement("id"), {"business": business_id, "value": member_id})


def by_contact(session: Session, *, business_id: uuid.UUID, field: str, value: str) -> MemberView | None:
    """The member whose `field` (phone, email, member_number) is `value`, spelled as stored."""
    if field not in ("phone", "email", "member_number"):
        raise ValueError(f"cannot find members by {field!r}")
    return _one(session, _statement(field), {"business": business_id, "value": value})


def _one(session: Session, statement: Any, values: dict[str, Any]) -> MemberView | None:
    found = later.records(session, statement, values, into=MemberView)
    return found[0] if found else None


@functools.cache
def _statement(field: str) -> Any:
    """The member by one column, built once: every column of `MemberView`, in its order."""
    columns = Member.__table__.c
    return select(*(columns[name.name] for name in fields(MemberView))).where(
        columns.business_id == bindparam("business"), columns[field] == bindparam("value")
    )
