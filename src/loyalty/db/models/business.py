"""Tenants and their access: the business, its branches and terminals, API keys, the audit trail
and the answers of retried writes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from loyalty.db.clock import now
from loyalty.db.models.base import Base, business_fk, pk


class Business(Base):
    __tablename__ = "business"
    id: Mapped[uuid.UUID] = pk()
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    country: Mapped[str] = mapped_column(String(2), default="CH")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Zurich")
    # en | fr | de | it: what its faces, explanations and histories speak when nobody asked for another language.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    points_decimals: Mapped[int] = mapped_column(Integer, default=2)
    point_value_minor: Mapped[int] = mapped_column(BigInteger, default=100)  # money per point, minor units
    identification_code_length: Mapped[int] = mapped_column(Integer, default=4)
    identification_code_ttl_seconds: Mapped[int] = mapped_column(Integer, default=300)
    allow_negative_balance: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every change of a rule: workers rebuild their cached rule index when it moves.
    rules_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Budget payments at a Como till: the wallet they draw from, whether the member confirms them with a code
    # sent to them, and the smallest and largest payment (minor units; None: no limit).
    payment_wallet: Mapped[str] = mapped_column(String(16), default="points", server_default="points")
    payment_verification: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    payment_min_minor: Mapped[int | None] = mapped_column(BigInteger)
    payment_max_minor: Mapped[int | None] = mapped_column(BigInteger)
    # The means of payment the till offers for what points do not pay, as the business names them.
    means_of_payment: Mapped[list[Any]] = mapped_column(default=lambda: ["cash", "card"])
    # Stored credit: bonus tiers of a top-up, [{"from": minor units, "bonus": minor units}], highest "from" wins.
    credit_top_up_bonus: Mapped[list[Any]] = mapped_column(default=list)
    # Lots: the policy in force when a point is earned is written on its lot; changing it never reaches back.
    points_expire_after_days: Mapped[int | None] = mapped_column(Integer)  # None: points never expire
    points_pending_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points_expiry_reminder_days: Mapped[int | None] = mapped_column(Integer)  # None: no reminders
    tier_window_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # The countries (ISO codes) whose phone numbers may be sent a text; None: the business's own country only.
    text_countries: Mapped[list[Any] | None] = mapped_column(default=None)


class Branch(Base):
    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("business_id", "external_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the point of sale's own id (X-Branch-Id)


class Terminal(Base):
    __tablename__ = "terminal"
    __table_args__ = (
        UniqueConstraint("business_id", "branch_id", "external_id"),
        # The terminals a key made lately: a key makes only a few an hour.
        Index("ix_terminal_business_id_created_by_key_id", "business_id", "created_by_key_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the point of sale's own id (X-Pos-Id)
    created_by_key_id: Mapped[uuid.UUID | None]  # the pos key whose X-Pos-Id made it (None: an admin, or before)
    retired_at: Mapped[datetime | None]  # an admin retired it: it sells no more, and its X-Pos-Id is not made again


class ApiKey(Base):
    """A bearer key. Only its SHA-256 is kept; the key itself is shown once."""

    __tablename__ = "api_key"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    kind: Mapped[str] = mapped_column(String(16))  # admin | pos | member
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    terminal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terminal.id"))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditRecord(Base):
    __tablename__ = "audit_record"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    at: Mapped[datetime] = mapped_column(default=now)
    actor: Mapped[str] = mapped_column(String(64))  # "key:<id>", "cli", "member:<id>"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class IdempotentRequest(Base):
    """The first answer of a write sent with an `Idempotency-Key`: a retry with the same key and request gets it
    again, changing nothing. Stored in the write's own transaction, so it exists exactly when the write does."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("business_id", "scope", "key"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    scope: Mapped[str] = mapped_column(String(64))  # the terminal of a pos key, else the key itself
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)  # the JSON answer, replayed byte for byte
    created_at: Mapped[datetime] = mapped_column(default=now)
