"""All tables. Portable types only: UUID keys, integers for money (minor units) and points (hundredths).

Every unique index starts with the business id, so tenants never collide and a distributed SQL
engine can keep each business's rows together.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times must be aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=new_id)


def business_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("business.id"), index=True)


# --- tenants, access, audit -------------------------------------------------------------------


class Business(Base):
    __tablename__ = "business"
    id: Mapped[uuid.UUID] = pk()
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    country: Mapped[str] = mapped_column(String(2), default="CH")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Zurich")
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


class Branch(Base):
    __tablename__ = "branch"
    __table_args__ = (UniqueConstraint("business_id", "external_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the point of sale's own id (X-Branch-Id)


class Terminal(Base):
    __tablename__ = "terminal"
    __table_args__ = (UniqueConstraint("business_id", "branch_id", "external_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    branch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("branch.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the point of sale's own id (X-Pos-Id)


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


# --- members and identification -----------------------------------------------------------------


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("business_id", "phone"),
        UniqueConstraint("business_id", "email"),
        UniqueConstraint("business_id", "member_number"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    phone: Mapped[str] = mapped_column(String(20))  # E.164
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


class IdentificationCode(Base):
    """The short code and QR payload a member shows at the till; both stored hashed."""

    __tablename__ = "identification_code"
    __table_args__ = (UniqueConstraint("business_id", "code_hash"), UniqueConstraint("business_id", "qr_hash"))
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
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
        Index("ix_identify_failure_business_at", "business_id", "at"),
        # A till's failures in the window, counted without reading the rest of the business's.
        Index("ix_identify_failure_business_terminal_at", "business_id", "terminal_id", "at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terminal.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)


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


class CodeFailure(Base):
    """One promo code refused as unknown or used up, counted for the per-terminal and per-business limits."""

    __tablename__ = "code_failure"
    __table_args__ = (Index("ix_code_failure_business_at", "business_id", "at"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("terminal.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=now)


# --- the Campaign Center ------------------------------------------------------------------------


class Rule(Base):
    __tablename__ = "rule"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(200))
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
    business_id: Mapped[uuid.UUID] = business_fk()
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
    kind: Mapped[str] = mapped_column(String(16))  # discount | free_item
    definition: Mapped[dict[str, Any]] = mapped_column()  # discount, items, max_units, conditions
    valid_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)
    price_points: Mapped[int | None] = mapped_column(BigInteger)  # the point shop's price, hundredths; None: not sold


class Asset(Base):
    """One benefit in one member's wallet."""

    __tablename__ = "asset"
    __table_args__ = (Index("ix_asset_member_status", "business_id", "member_id", "status"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|redeemed|expired|deactivated
    source: Mapped[str] = mapped_column(String(64), default="admin")  # admin | rule:<id>@<rev>
    granted_at: Mapped[datetime] = mapped_column(default=now)
    valid_from: Mapped[datetime] = mapped_column(default=now)
    valid_until: Mapped[datetime | None]
    redeemed_at: Mapped[datetime | None]
    redeemed_purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"))


class PromoCode(Base):
    __tablename__ = "promo_code"
    __table_args__ = (UniqueConstraint("business_id", "code"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
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


# --- the points ledger --------------------------------------------------------------------------


class LedgerTransaction(Base):
    """One balanced change of points, linked to its cause. Never changed; corrections are new ones."""

    __tablename__ = "ledger_transaction"
    __table_args__ = (
        Index("ix_ledger_transaction_business_created", "business_id", "created_at"),
        Index("ix_ledger_transaction_member_at", "member_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    kind: Mapped[str] = mapped_column(String(32))  # earn | redeem | pay | refund | reverse | adjust
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"), index=True)
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("points_payment.id"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rule.id"))
    rule_revision: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Lets one flush insert a transaction and its entries in order, without a flush in between.
    entries: Mapped[list[LedgerEntry]] = relationship(lazy="raise")


class LedgerEntry(Base):
    """One leg of a ledger transaction. `account` is "member" (with member_id) or a business account."""

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_member", "business_id", "member_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))  # member | issued | redeemed | adjusted
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # hundredths of a point; + credit to the account
    created_at: Mapped[datetime] = mapped_column(default=now)


# --- the point of sale --------------------------------------------------------------------------


class Purchase(Base):
    """A confirmed purchase, recorded once per terminal and POS transaction id."""

    __tablename__ = "purchase"
    __table_args__ = (
        UniqueConstraint("business_id", "terminal_id", "transaction_id"),
        # A till's sales of the day, newest first.
        Index("ix_purchase_terminal_created", "business_id", "terminal_id", "created_at"),
        Index("ix_purchase_business_created", "business_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")  # completed | cancelled
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column()  # the first answer, replayed verbatim
    total_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths
    created_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None]
    # The payments earning saw ([{"mop", "amount_minor"}], points payments included), so a backtest replays
    # the sale's means of payment exactly; null for purchases recorded before it was kept.
    payments: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)


class PurchaseLine(Base):
    __tablename__ = "purchase_line"
    __table_args__ = (UniqueConstraint("business_id", "purchase_id", "line_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase.id"))
    line_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(64), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    quantity: Mapped[str] = mapped_column(String(32))  # a decimal string: quantities may be weights
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths, what returns take back
    returned_quantity: Mapped[str] = mapped_column(String(32), default="0")
    points_returned: Mapped[int] = mapped_column(BigInteger, default=0)
    # The line's place in the sale as sent (0, 1, ...): a replay splits shares in the same order; null before kept.
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PurchaseReturn(Base):
    __tablename__ = "purchase_return"
    __table_args__ = (UniqueConstraint("business_id", "purchase_id", "return_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    purchase_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase.id"))
    return_id: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=now)


class PointsPayment(Base):
    """Part of a sale paid with points; counted as MOP "points" in that transaction's accumulation."""

    __tablename__ = "points_payment"
    __table_args__ = (
        Index("ix_points_payment_txn", "business_id", "terminal_id", "transaction_id"),
        UniqueConstraint("business_id", "terminal_id", "idempotency_key"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))  # a retried request pays once
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)  # hundredths
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None]


# --- tills that speak another protocol ----------------------------------------------------------


class OpenTicket(Base):
    """A sale a till announced before it is paid: nothing earned or spent until it is confirmed."""

    __tablename__ = "open_ticket"
    __table_args__ = (UniqueConstraint("business_id", "terminal_id", "transaction_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | voided
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


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


# --- stored credit, the point shop, punch cards ---------------------------------------------------


class CreditLoad(Base):
    """Money a till took and loaded as credit (with its bonus), once per Idempotency-Key."""

    __tablename__ = "credit_load"
    __table_args__ = (UniqueConstraint("business_id", "idempotency_key"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    bonus_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(200), default="top-up")
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)


class CreditPayment(Base):
    """Part of a sale paid with stored credit; counted as MOP "credit" in that transaction's accumulation."""

    __tablename__ = "credit_payment"
    __table_args__ = (
        Index("ix_credit_payment_txn", "business_id", "terminal_id", "transaction_id"),
        UniqueConstraint("business_id", "terminal_id", "idempotency_key"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | cancelled
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None]


class ShopOrder(Base):
    """A benefit bought with points in the point shop, once per Idempotency-Key."""

    __tablename__ = "shop_order"
    __table_args__ = (UniqueConstraint("business_id", "member_id", "idempotency_key"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit.id"))
    asset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("asset.id"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)  # hundredths paid
    status: Mapped[str] = mapped_column(String(16), default="paid")  # paid | refunded
    created_at: Mapped[datetime] = mapped_column(default=now)
    refunded_at: Mapped[datetime | None]


class PunchCard(Base):
    """A punch card template: `punches_required` punches fill a card and grant the reward benefit."""

    __tablename__ = "punch_card"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column()  # the canonical JSON form
    reward_benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


class MemberPunchCard(Base):
    """One member's progress on one punch card: punches on the open card, cards filled."""

    __tablename__ = "member_punch_card"
    __table_args__ = (UniqueConstraint("business_id", "member_id", "punch_card_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"), index=True)
    punch_card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("punch_card.id"))
    punches: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)


class PunchEntry(Base):
    """One change of a member's punch card, linked to its cause: punches add up to the card's state."""

    __tablename__ = "punch_entry"
    __table_args__ = (Index("ix_punch_entry_card", "business_id", "member_card_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member_punch_card.id"))
    # punch | unpunch (a return or cancel) | fill (a card filled: -required) | unfill (its reward withdrawn)
    kind: Mapped[str] = mapped_column(String(16))
    punches: Mapped[int] = mapped_column(Integer)  # signed: what this changed on the open card
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"), index=True)
    asset_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("asset.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Punches per purchase line ({"1": 2}); a punch's lines are what a return or cancel takes back from.
    lines: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now)


# --- retried writes ------------------------------------------------------------------------------


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


# --- lots: points with dates --------------------------------------------------------------------


class PointsLot(Base):
    """The points of one earning, with the moments they were earned, become spendable and expire.

    `remaining` is what the lot still holds; every change of it is a `LotAllocation` in the same transaction.
    `expiring_at` is `expires_at` while the lot holds points and `pending_until` is `available_at` until the
    release run has seen it: the expiry and release runs scan only what is still due, however long the history.
    """

    __tablename__ = "points_lot"
    __table_args__ = (
        Index("ix_points_lot_member_remaining", "business_id", "member_id", "remaining"),
        Index("ix_points_lot_expiring_at", "expiring_at"),
        Index("ix_points_lot_pending_until", "pending_until"),
        Index("ix_points_lot_member_expiring_at", "member_id", "expiring_at"),
        Index("ix_points_lot_member_pending_until", "member_id", "pending_until"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transaction.id"))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # the ledger kind that made it; "opening" for older balances
    amount: Mapped[int] = mapped_column(BigInteger)  # hundredths
    remaining: Mapped[int] = mapped_column(BigInteger)
    expired: Mapped[int] = mapped_column(BigInteger, default=0)
    written_off: Mapped[int] = mapped_column(BigInteger, default=0)  # expired points a return counted
    earned_at: Mapped[datetime]
    available_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    expiring_at: Mapped[datetime | None]
    pending_until: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class LotAllocation(Base):
    """Hundredths a ledger transaction took from (+) or gave back to (-) a lot; no lot: the member's debt."""

    __tablename__ = "lot_allocation"
    __table_args__ = (Index("ix_lot_allocation_member_lot", "member_id", "lot_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id"))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("points_lot.id"), index=True)
    transaction_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # spend | remove | take_back | expire | restore | settle | debt
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=now)


class Tier(Base):
    """A tier: reached by the points earned in the business's tier window."""

    __tablename__ = "tier"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    name: Mapped[str] = mapped_column(String(100))
    threshold: Mapped[int] = mapped_column(BigInteger)  # hundredths
    created_at: Mapped[datetime] = mapped_column(default=now)


# Tables kept in modules of their own, registered on Base.metadata by importing them here.
from loyalty.db import webhook_tables  # noqa: E402, F401
