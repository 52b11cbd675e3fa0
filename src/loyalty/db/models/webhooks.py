"""Tables of webhooks (endpoints, the outbox of events, one delivery per event and endpoint) and of the switch that
holds outgoing messages after a restore."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from loyalty.db.clock import now
from loyalty.db.models.base import Base, business_fk, pk


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[Any]] = mapped_column(default=lambda: ["*"])
    # Kept as given (signing needs it); the API shows it only when it is made or rotated.
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Failed attempts in a row; past a threshold the endpoint is flagged `failing` until one succeeds.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


class WebhookEvent(Base):
    """The outbox: written in the transaction of the change it tells, so it exists exactly when the change does."""

    __tablename__ = "webhook_event"
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = business_fk()
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, byte for byte what is signed
    created_at: Mapped[datetime] = mapped_column(default=now)


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )
    id: Mapped[uuid.UUID] = pk()
    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("business.id"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_event.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When a worker may next take it; a worker that claims it moves this past its lease, so no other sends it.
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=now)


class OutboundState(Base):
    """One row (id 1): whether texts, e-mails and webhooks are held, as after a restore."""

    __tablename__ = "outbound_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reason: Mapped[str] = mapped_column(String(200), default="")
    since: Mapped[datetime | None] = mapped_column()
