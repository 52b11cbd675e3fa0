"""A till's ticket by its transaction id: announced open, confirmed, voided, or the original of a return.

An open ticket records that a sale is under way and for whom: nothing is earned, redeemed or spent by it. The
confirmation of the same transaction closes it; voiding it releases the points and credit payments made for it (and
cancels the purchase when the sale was already confirmed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import RetryTransaction
from loyalty.db.models import Business, OpenTicket, Purchase, PurchaseLine
from loyalty.errors import Conflict, NotFound
from loyalty.sale import credit_payments, payments, reversals


def confirmed(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> Purchase | None:
    """The purchase this till confirmed under this transaction id."""
    return session.scalar(
        select(Purchase).where(
            Purchase.business_id == business_id,
            Purchase.terminal_id == terminal_id,
            Purchase.transaction_id == transaction_id,
        )
    )


def original(session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> Purchase:
    """The sale a return refers to: this till's first, else the newest of that transaction id at any till of the
    business (a return is often made at another till)."""
    here = confirmed(session, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id)
    if here is not None:
        return here
    found = session.scalar(
        select(Purchase)
        .where(Purchase.business_id == business_id, Purchase.transaction_id == transaction_id)
        .order_by(Purchase.created_at.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound("purchase")
    return found


def lines(session: Session, *, purchase: Purchase) -> list[PurchaseLine]:
    query = select(PurchaseLine).where(
        PurchaseLine.business_id == purchase.business_id, PurchaseLine.purchase_id == purchase.id
    )
    return list(session.scalars(query.order_by(PurchaseLine.id)))


def open_ticket(
    session: Session,
    *,
    business_id: uuid.UUID,
    terminal_id: uuid.UUID,
    transaction_id: str,
    member_id: uuid.UUID | None,
    fingerprint: str,
    at: datetime,
) -> OpenTicket:
    """Record (or update: the ticket grows while it is open) an open ticket. Refused once the sale is confirmed."""
    if confirmed(session, business_id=business_id, terminal_id=terminal_id, transaction_id=transaction_id):
        raise Conflict("transaction_completed", f"Transaction {transaction_id} is already confirmed.")
    ticket = _ticket(session, business_id, terminal_id, transaction_id)
    if ticket is None:
        ticket = OpenTicket(
            business_id=business_id,
            terminal_id=terminal_id,
            transaction_id=transaction_id,
            member_id=member_id,
            request_hash=fingerprint,
            created_at=at,
            updated_at=at,
        )
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
        except IntegrityError:
            raise RetryTransaction() from None  # a concurrent copy opened it: run again and update that one
        return ticket
    if (ticket.request_hash, ticket.member_id, ticket.status) != (fingerprint, member_id, "open"):
        ticket.request_hash, ticket.member_id, ticket.status, ticket.updated_at = fingerprint, member_id, "open", at
        session.flush()
    return ticket


def close(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str, at: datetime
) -> None:
    ticket = _ticket(session, business_id, terminal_id, transaction_id)
    if ticket is not None and ticket.status != "closed":
        ticket.status, ticket.updated_at = "closed", at
        session.flush()


@dataclass(frozen=True)
class Voided:
    ticket: bool
    payments_released: int
    purchase_cancelled: bool


def void(
    session: Session, *, business: Business, terminal_id: uuid.UUID, transaction_id: str, at: datetime, actor: str
) -> Voided:
    """Abandon the ticket: its open record, its points payments, and the purchase if it was confirmed.
    NotFound when this till has nothing under this transaction id. Twice changes nothing more."""
    ticket = _ticket(session, business.id, terminal_id, transaction_id)
    purchase = confirmed(session, business_id=business.id, terminal_id=terminal_id, transaction_id=transaction_id)
    pending = [
        payment
        for payment in payments.for_transaction(
            session, business_id=business.id, terminal_id=terminal_id, transaction_id=transaction_id
        )
        if payment.purchase_id is None
    ]
    # Credit paid on the abandoned sale goes back as the points do.
    pending_credit = [
        paid
        for paid in credit_payments.for_transaction(
            session, business_id=business.id, terminal_id=terminal_id, transaction_id=transaction_id
        )
        if paid.purchase_id is None
    ]
    if ticket is None and purchase is None and not pending and not pending_credit:
        raise NotFound("transaction")
    if ticket is not None and ticket.status != "voided":
        ticket.status, ticket.updated_at = "voided", at
        session.flush()
    for payment in pending:
        payments.cancel(session, business=business, payment_id=payment.id, actor=actor)
    for paid in pending_credit:
        credit_payments.cancel(session, business=business, payment=paid, actor=actor)
    cancelled = False
    if purchase is not None and purchase.status == "completed":
        reversals.cancel(session, business=business, purchase=purchase, at=at, actor=actor)
        cancelled = True
    released = len(pending) + len(pending_credit)
    if ticket is not None or released:
        record(
            session,
            business.id,
            actor=actor,
            action="ticket.void",
            obj=ticket or purchase or (pending or pending_credit)[0],
            details={"transaction_id": transaction_id, "payments_released": released},
        )
    return Voided(ticket is not None, released, cancelled)


def _ticket(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> OpenTicket | None:
    return session.scalar(
        select(OpenTicket).where(
            OpenTicket.business_id == business_id,
            OpenTicket.terminal_id == terminal_id,
            OpenTicket.transaction_id == transaction_id,
        )
    )
