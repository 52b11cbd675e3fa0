"""What a member holds: the points ledger and its lots, benefits in the wallet, stored credit, the point
shop, punch cards."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from loyalty.db.clock import now
from loyalty.db.models.base import Base, business_fk, pk


class LedgerTransaction(Base):
    """One balanced change of points, linked to its cause. Never changed; corrections are new ones."""

    __tablename__ = "ledger_transaction"
    __table_args__ = (
        Index("ix_ledger_transaction_business_created", "business_id", "created_at"),
        Index("ix_ledger_transaction_member_at", "member_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    kind: Mapped[str] = mapped_column(String(32))  # earn | redeem | pay | refund | reverse | adjust
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("purchase.id"), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("points_payment.id"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rule.id"))
    rule_revision: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reason as a message (`rules.message.Message.to_data`), so a history can say it in the reader's language.
    reason_message: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=now)
    # Lets one flush insert a transaction and its entries in order, without a flush in between.
    entries: Mapped[list[LedgerEntry]] = relationship(lazy="raise")


_HAS_MEMBER = text("member_id IS NOT NULL")


class LedgerEntry(Base):
    """One leg of a ledger transaction. `account` is "member" (with member_id) or a business account."""

    __tablename__ = "ledger_entry"
    # A member's entries; the business accounts' legs (half of them, with no member) are not in it.
    __table_args__ = (
        Index(
            "ix_ledger_entry_member", "business_id", "member_id", sqlite_where=_HAS_MEMBER, postgresql_where=_HAS_MEMBER
        ),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))  # member | issued | redeemed | adjusted
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # hundredths of a point; + credit to the account
    created_at: Mapped[datetime] = mapped_column(default=now)


def _due(column: str) -> tuple[Index, Index]:
    """The indexes of a lot's due date, of every lot and of a member's, of the lots that have one."""
    due = text(f"{column} IS NOT NULL")
    return (
        Index(f"ix_points_lot_{column}", column, sqlite_where=due, postgresql_where=due),
        Index(f"ix_points_lot_member_{column}", "member_id", column, sqlite_where=due, postgresql_where=due),
    )


class PointsLot(Base):
    """The points of one earning, with the moments they were earned, become spendable and expire.

    `remaining` is what the lot still holds; every change of it is a `LotAllocation` in the same transaction.
    `expiring_at` is `expires_at` while the lot holds points and `pending_until` is `available_at` until the
    release run has seen it: the expiry and release runs scan only what is still due, however long the history.
    Their indexes hold only the lots that are due (the rest are null), so a lot that will never expire or is
    spendable at once adds no entry to them.
    """

    __tablename__ = "points_lot"
    __table_args__ = (
        Index("ix_points_lot_member_remaining", "business_id", "member_id", "remaining"),
        *_due("expiring_at"),
        *_due("pending_until"),
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
    request_hash: Mapped[str | None] = mapped_column(String(64))  # as a points payment's


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
    names: Mapped[dict[str, Any] | None] = mapped_column()  # {"fr": ...}: the name per language
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
