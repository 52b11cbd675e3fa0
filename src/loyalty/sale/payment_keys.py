"""A budget payment asked for again: the key that makes a Como till's retry pay once.

Como's `payment` call carries no idempotency key, so a till that timed out and sends the same call again would pay a
second time. The key is the till's `Idempotency-Key` header when it sends one, else the call itself: the same ticket,
member and amount. A payment standing under that key answers the retry; cancelling it frees the key, so the same
amount can be paid again after a cancelPayment.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, literal, select, union_all, update
from sqlalchemy.orm import Session

from loyalty.db.models import CreditPayment, PointsPayment

PREFIX = "como:"


@dataclass(frozen=True)
class Standing:
    id: uuid.UUID
    member_id: uuid.UUID
    amount_minor: int
    wallet: str  # points | credit
    transaction_id: str = ""
    status: str = "active"
    request_hash: str | None = None


def for_call(*, transaction_id: str, member_id: uuid.UUID, amount_minor: int, header: str | None) -> str:
    """The key of a Como `payment` call (hashed: a ticket id alone may fill the column)."""
    said = f"key|{header}" if header else f"call|{transaction_id}|{member_id}|{amount_minor}"
    return PREFIX + hashlib.sha256(said.encode()).hexdigest()


def earlier(session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, key: str) -> Standing | None:
    """The payment made under `key` at this till, from either wallet (a key pays once, whatever it paid with)."""
    found = (
        session.connection()
        .execute(_EARLIER, {"business_id": business_id, "terminal_id": terminal_id, "key": key})
        .first()
    )
    if found is None:
        return None
    return Standing(
        found.id, found.member_id, found.amount_minor, found.wallet, found.transaction_id, found.status, found.hash
    )


def standing(session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, key: str) -> Standing | None:
    """The active payment made under `key` at this till, if any."""
    found = earlier(session, business_id=business_id, terminal_id=terminal_id, key=key)
    return found if found is not None and found.status == "active" else None


def _earlier() -> Any:
    """Both wallets' payments under one key of one till, in one statement (built once)."""
    business_id: Any = bindparam("business_id")
    terminal_id: Any = bindparam("terminal_id")
    key: Any = bindparam("key")
    return union_all(
        *(
            select(
                literal(wallet).label("wallet"),
                table.id,
                table.member_id,
                table.amount_minor,
                table.transaction_id,
                table.status,
                table.request_hash.label("hash"),
            ).where(table.business_id == business_id, table.terminal_id == terminal_id, table.idempotency_key == key)
            for wallet, table in (("points", PointsPayment), ("credit", CreditPayment))
        )
    )


_EARLIER = _earlier()


def release(session: Session, *, business_id: uuid.UUID, payment_id: uuid.UUID) -> None:
    """A cancelled Como payment no longer answers retries: the same call pays anew."""
    for table in (PointsPayment, CreditPayment):
        session.execute(
            update(table)
            .where(table.business_id == business_id, table.id == payment_id, table.idempotency_key.startswith(PREFIX))
            .values(idempotency_key=None)
        )
