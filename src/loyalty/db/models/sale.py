"""The point of sale: purchases, their lines and returns, points payments, tickets announced before payment."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
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
    business_id: Mapped[uuid.UUID] = business_fk(index=False)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("branch.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="completed")  # completed | cancelled
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column()  # the first answer, replayed verbatim
    total_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # A till that applied its own discounts (Como's appliedAmount): what loyalty would have given, kept beside them.
    computed_discount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)  # hundredths
    created_at: Mapped[datetime] = mapped_column(default=now)
    cancelled_at: Mapped[datetime | None]
    # The payments earning saw ([{"mop", "amount_minor"}], points payments included), so a backtest replays
    # the sale's means of payment exactly; null for purchases recorded before it was kept.
    payments: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # What the sale changed that is not in the ledger, so that taking it back undoes it: {"tags_added": [...],
    # "tier_before": [name, since] or null, "tier_after": name}; null when it changed none of these.
    effects: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


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
    # What was asked under the idempotency key: the same key with another request is a conflict.
    request_hash: Mapped[str | None] = mapped_column(String(64))


class SaleTab(Base):
    """One row per till's transaction that members pay on: payments on one sale take its lock in turn, so what
    the sale still owes is read after every earlier payment on it has committed."""

    __tablename__ = "sale_tab"
    __table_args__ = (UniqueConstraint("business_id", "terminal_id", "transaction_id"),)
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    terminal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("terminal.id"))
    transaction_id: Mapped[str] = mapped_column(String(128))
    held_at: Mapped[datetime] = mapped_column(default=now)


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
