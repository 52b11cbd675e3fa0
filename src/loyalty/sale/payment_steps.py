"""The steps a points payment (`payments`) and a credit payment (`credit_payments`) take alike.

Both pay part of one till's transaction for one member: an amount of the currency's precision, once per
Idempotency-Key (the key answers only the request it was sent with), never on a sale already confirmed nor on one
that owes nothing. Both are given back once (a guarded status UPDATE), and not on their own once they belong to a
confirmed purchase. What differs stays in each wallet's module: who may pay, how much the wallet covers, how the row
goes in, what the ledger records and how the payment is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty.db import scoped
from loyalty.db.models import Business, CreditPayment, PointsPayment, Purchase, now
from loyalty.errors import Conflict, InvalidInput
from loyalty.money import currency_exponent, to_minor

# A payment row of either wallet: the two tables have the same columns but for the points a points payment took.
Paid = TypeVar("Paid", PointsPayment, CreditPayment)


@dataclass(frozen=True)
class PaymentRequest:
    member_id: uuid.UUID
    transaction_id: str
    amount: Decimal
    idempotency_key: str | None = None
    # A digest of the whole request the key was sent with (the door's body): the same key with another is refused.
    request_hash: str | None = None


class KeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__("idempotency_conflict", "This Idempotency-Key was used for another payment.")


class NothingOwed(Conflict):
    def __init__(self) -> None:
        super().__init__("payments_exceed_total", "Nothing is left to pay on this sale: points cannot pay more.")


def amount_minor(business: Business, amount: Decimal) -> int:
    """The amount asked, in minor units: more than zero and no finer than the business's currency."""
    try:
        minor = to_minor(amount, currency_exponent(business.currency))
    except ValueError:
        raise InvalidInput("amount", f"has more decimals than {business.currency} allows") from None
    if minor <= 0:
        raise InvalidInput("amount", "must be more than zero")
    return minor


def start(
    session: Session,
    model: type[Paid],
    *,
    business: Business,
    terminal_id: uuid.UUID,
    request: PaymentRequest,
    key_looked_up: bool,
) -> tuple[int, Paid | None]:
    """The amount asked, in minor units (`amount_minor`), and the payment already made under the request's key,
    which answers it (`key_looked_up`: the caller found none)."""
    minor = amount_minor(business, request.amount)
    if not request.idempotency_key or key_looked_up:
        return minor, None
    earlier = by_key(session, model, business.id, terminal_id, request.idempotency_key)
    return minor, None if earlier is None else same_payment(earlier, request)


def by_key(
    session: Session, model: type[Paid], business_id: uuid.UUID, terminal_id: uuid.UUID, key: str
) -> Paid | None:
    return session.scalar(
        select(model).where(
            model.business_id == business_id, model.terminal_id == terminal_id, model.idempotency_key == key
        )
    )


def same_request(
    earlier_hash: str | None, earlier_member: uuid.UUID, earlier_transaction: str, request: PaymentRequest
) -> None:
    """A payment found under the request's key answers it only if it was asked by the same request."""
    if earlier_member != request.member_id or earlier_transaction != request.transaction_id:
        raise KeyReused()
    if earlier_hash is not None and request.request_hash is not None and earlier_hash != request.request_hash:
        raise KeyReused()


def same_payment(earlier: Paid, request: PaymentRequest) -> Paid:
    same_request(earlier.request_hash, earlier.member_id, earlier.transaction_id, request)
    return earlier


def check_open(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str, owed: Decimal | None
) -> None:
    """Refuse a payment on a sale already confirmed, or, with `owed` (what the sale still owes), on one paid up."""
    if _confirmed(session, business_id, terminal_id, transaction_id):
        # Paid now, it could never become part of that purchase: it would be spent for nothing.
        raise Conflict("transaction_completed", f"Transaction {transaction_id} is already confirmed.")
    if owed is not None and owed <= 0:
        raise NothingOwed()


def _confirmed(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> bool:
    found = session.scalar(
        select(Purchase.id).where(
            Purchase.business_id == business_id,
            Purchase.terminal_id == terminal_id,
            Purchase.transaction_id == transaction_id,
        )
    )
    return found is not None


def find(session: Session, model: type[Paid], *, business_id: uuid.UUID, payment_id: uuid.UUID) -> Paid | None:
    payment = scoped.get(session, model, payment_id, business_id=business_id)
    return payment if payment is not None and payment.business_id == business_id else None


def to_give_back(payment: Paid) -> bool:
    """Whether cancelling this payment gives it back: twice is a no-op (False), and one inside a confirmed purchase
    goes only with that purchase (refused)."""
    if payment.status == "cancelled":
        return False
    if payment.purchase_id is not None:
        raise Conflict("payment_in_purchase", "This payment belongs to a confirmed purchase: cancel the purchase.")
    return True


def mark_cancelled(
    session: Session, model: type[Paid], *, business_id: uuid.UUID, payment: Paid, at: datetime | None
) -> bool:
    """Mark an active payment cancelled; whether this call did (the status UPDATE is the guard: it gives back once)."""
    changed = session.execute(
        update(model)
        .where(model.business_id == business_id, model.id == payment.id, model.status == "active")
        .values(status="cancelled", cancelled_at=at or now())
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    scoped.refresh(session, payment)
    return True


def for_transaction(
    session: Session, model: type[Paid], *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> list[Paid]:
    """The active payments of one till's transaction, oldest first."""
    query = select(model).where(
        model.business_id == business_id,
        model.terminal_id == terminal_id,
        model.transaction_id == transaction_id,
        model.status == "active",
    )
    return list(session.scalars(query.order_by(model.created_at, model.id)))
