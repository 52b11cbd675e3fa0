"""The Campaign Center: rules and their revisions, events, benefit templates, promo codes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from loyalty.db.clock import now
from loyalty.db.models.base import Base, business_fk, pk


class Rule(Base):
    __tablename__ = "rule"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any] | None] = mapped_column()  # {"fr": ...}: the name per language, shown to members
    trigger: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the current revision
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


class RuleRevision(Base):
    """A published revision of a rule; never changed once written."""

    __tablename__ = "rule_revision"
    __table_args__ = (UniqueConstraint("business_id", "rule_id", "revision"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule.id"))
    revision: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=now)


class RuleUse(Base):
    """A rule fired for a member: what per-member limits count."""

    __tablename__ = "rule_use"
    __table_args__ = (Index("ix_rule_use_member_rule", "business_id", "member_id", "rule_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    rule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule.id"))
    revision: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"))
    at: Mapped[datetime] = mapped_column(default=now)
    reversed_at: Mapped[datetime | None]


class Event(Base):
    __tablename__ = "event"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=now)


class Benefit(Base):
    """A benefit template: what a wallet entry gives when it is used."""

    __tablename__ = "benefit"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any] | None] = mapped_column()  # {"fr": ...}: the name per language
    kind: Mapped[str] = mapped_column(String(16))  # discount | free_item
    definition: Mapped[dict[str, Any]] = mapped_column()  # discount, items, max_units, conditions
    valid_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)
    price_points: Mapped[int | None] = mapped_column(BigInteger)  # the point shop's price, hundredths; None: not sold


class PromoCode(Base):
    __tablename__ = "promo_code"
    __table_args__ = (UniqueConstraint("business_id", "code"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    code: Mapped[str] = mapped_column(String(64))  # normalised: trimmed, upper case
    effect: Mapped[str] = mapped_column(String(16), default="benefit")  # benefit | trigger
    benefit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("benefit.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("code_batch.id"), index=True)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    max_uses_per_member: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)  # guarded by max_uses in the same UPDATE
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class CodeBatch(Base):
    """Bulk one-time codes made together, for the CSV export."""

    __tablename__ = "code_batch"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    benefit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("benefit.id"))
    count: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)


class CodeUse(Base):
    __tablename__ = "code_use"
    __table_args__ = (Index("ix_code_use_code_member", "business_id", "code_id", "member_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("promo_code.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"))
    at: Mapped[datetime] = mapped_column(default=now)
    released_at: Mapped[datetime | None]


class CodeFailure(Base):
    """One promo code refused as unknown or used up, counted for the per-terminal and per-business limits."""

    __tablename__ = "code_failure"
    __table_args__ = (
        Index("ix_code_failure_business_at", "business_id", "at"),
        UniqueConstraint("business_id", "terminal_id", "guess"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terminal.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    # A digest of the sale and the code (`code_guessing.guess_key`): a till pricing the same sale again with the
    # same wrong code guesses nothing new, and it is counted once.
    guess: Mapped[str | None] = mapped_column(String(64))
