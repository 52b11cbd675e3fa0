"""Members, how a till or the app identifies them, and the tiers they reach."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from loyalty.db.clock import now
from loyalty.db.models.base import Base, business_fk, pk


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("business_id", "phone"),
        UniqueConstraint("business_id", "email"),
        UniqueConstraint("business_id", "member_number"),
        UniqueConstraint("business_id", "external_id"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164; a member has a phone or an e-mail or both
    email: Mapped[str | None] = mapped_column(String(254))  # lower case
    member_number: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    birthday: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    consent_terms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    # Cached from the ledger in the same transaction as every entry; `loyalty verify` recomputes them.
    points_balance: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths of a point
    lifetime_points: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths, earned only
    created_at: Mapped[datetime] = mapped_column(default=now)
    # When a login code sent there came back, or staff vouched (registered the member, or typed the detail in).
    # Only a proven phone finds the member at a till; login codes go only to proven contact details.
    phone_verified_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    # When the `joined` rules fired: set once, so a member set back to pending never joins twice.
    joined_at: Mapped[datetime | None]
    credit_balance: Mapped[int] = mapped_column(BigInteger, default=0)  # stored credit, minor units; from the ledger
    # The tier reached and when: it is kept until the tier window since then ends.
    tier: Mapped[str | None] = mapped_column(String(100))
    tier_since: Mapped[datetime | None]
    # en | fr | de | it, or None for the business's: the language of the texts and e-mails sent to the member.
    language: Mapped[str | None] = mapped_column(String(8))
    # What a till's registration sent beyond the fields above (gender, anniversary, Como's generic fields), kept
    # and shown as it came; never tags, which only the business sets.
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The member's id in the system the programme moved from: what an import matches its rows by.
    external_id: Mapped[str | None] = mapped_column(String(128))
    # When the member's personal data was erased at their request (status "erased").
    erased_at: Mapped[datetime | None]


class IdentificationCode(Base):
    """The short code and QR payload a member shows at the till; both stored hashed."""

    __tablename__ = "identification_code"
    __table_args__ = (UniqueConstraint("business_id", "code_hash"), UniqueConstraint("business_id", "qr_hash"))
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    qr_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    # The code and payload themselves, for their few minutes of life: every device of the member shows the same
    # live code. The till's lookups go by the hashes.
    code: Mapped[str] = mapped_column(String(16), default="")
    qr: Mapped[str] = mapped_column(String(64), default="")


class IdentifyFailure(Base):
    """One failed identification attempt, counted for the per-terminal and per-business limits."""

    __tablename__ = "identify_failure"
    __table_args__ = (
        # Guesses and lookups are counted apart, each a range seek over its own kind in the window.
        Index("ix_identify_failure_business_kind_at", "business_id", "kind", "at"),
        # A till's failures in the window, counted without reading the rest of the business's.
        Index("ix_identify_failure_business_terminal_kind_at", "business_id", "terminal_id", "kind", "at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terminal.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)
    # "guess": a short code that named nobody (the limits that stop guessing count these); "lookup": a phone, an
    # e-mail or a member number that named nobody, ordinary at a till, under its own much higher ceiling.
    kind: Mapped[str] = mapped_column(String(8), default="guess", server_default="guess")


class LoginCode(Base):
    """A one-time code that logs a member into the member app."""

    __tablename__ = "login_code"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Where the code was sent ("sms" to the phone, "email" to the address): the right code proves that one.
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    # A code sent to a contact the member does not hold yet (the app's change of phone or e-mail, spelled as
    # stored): the right code makes it theirs, proven. None: a login code to the member's own contact.
    address: Mapped[str | None] = mapped_column(String(254))
    # What the person who asked for the code gave when joining (names, e-mail, consent): the record they prove
    # keeps only that. None: a login, which gives nothing but the contact.
    given: Mapped[dict[str, Any] | None]


class AppRequest(Base):
    """A join or a login-code request to the member app, counted for the limits per client address and per
    business (each one sends a text or an e-mail that the business pays for)."""

    __tablename__ = "app_request"
    __table_args__ = (
        Index("ix_app_request_business_at", "business_id", "at"),
        Index("ix_app_request_business_client_at", "business_id", "client", "at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    client: Mapped[str] = mapped_column(String(64))  # a keyed hash of the client's address: no address is kept
    at: Mapped[datetime] = mapped_column(default=now)


class TillIdentification(Base):
    """A single-use code (app code, QR, sent code) spent at a terminal stays that member's at that terminal for
    the length of a sale, because a till that speaks Como sends the same code with every call of the sale."""

    __tablename__ = "till_identification"
    __table_args__ = (UniqueConstraint("business_id", "terminal_id", "value_hash"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    value_hash: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    # The ticket the identification proves the member for (a payment without a code): the first that asks.
    transaction_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class Tier(Base):
    """A tier: reached by the points earned in the business's tier window."""

    __tablename__ = "tier"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(100))
    threshold: Mapped[int] = mapped_column(BigInteger)  # hundredths
    created_at: Mapped[datetime] = mapped_column(default=now)


class ConsentChange(Base):
    """One change of a member's consent to one purpose, with where it was given or withdrawn."""

    __tablename__ = "consent_change"
    __table_args__ = (Index("ix_consent_change_member_at", "business_id", "member_id", "at"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # terms | sms | email
    given: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=now)
    source: Mapped[str] = mapped_column(String(16))  # app | staff | import | como
