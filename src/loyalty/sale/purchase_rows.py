"""A confirmed purchase's own row, written by two prebuilt Core statements: one INSERT that claims the till's
transaction (a concurrent or repeated copy gets no row back; the claim also reads what its answer needs of the
member's lots), and one UPDATE that settles its totals and stores its answer as the JSON text sent, queued with the
purchase's other writes whose result nobody reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Text, bindparam, cast, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from loyalty.db import later
from loyalty.db.models import Business, Purchase
from loyalty.db.rows import cast_table
from loyalty.money import currency_exponent, to_minor
from loyalty.sale import awards
from loyalty.sale.purchases import Priced
from loyalty.wallet.lots import book


@dataclass(frozen=True)
class NewPurchase:
    """The columns a purchase's row is claimed with (a model instance would cost more than its INSERT)."""

    __tablename__: ClassVar[str] = "purchase"  # what the audit trail calls it

    id: uuid.UUID
    business_id: uuid.UUID
    branch_id: uuid.UUID | None
    terminal_id: uuid.UUID
    transaction_id: str
    member_id: uuid.UUID | None
    request_hash: str
    created_at: datetime


def insert_once(session: Session, purchase: NewPurchase) -> int | None:
    """INSERT the purchase unless its (business, terminal, transaction) is taken. Inserted, the points of its member
    held back at its time (pending, or expired and not yet posted), read by the same statement for its answer;
    taken, None."""
    values = {
        "new_id": purchase.id,
        "new_business_id": purchase.business_id,
        "new_branch_id": purchase.branch_id,
        "new_terminal_id": purchase.terminal_id,
        "new_transaction_id": purchase.transaction_id,
        "new_member_id": purchase.member_id,
        "new_request_hash": purchase.request_hash,
        "new_created_at": purchase.created_at,
    }
    statement = statements(session.get_bind().dialect.name).insert_once
    claimed = later.first(session, statement, values)
    return None if claimed is None else int(claimed[1] or 0) + int(claimed[2] or 0)


@dataclass(frozen=True)
class Statements:
    insert_once: Any
    settle: Any


built: dict[str, Statements] = {}


def statements(dialect: str) -> Statements:
    """The purchase's own INSERT and UPDATE, built once per database dialect."""
    found = built.get(dialect)
    if found is not None:
        return found
    table = cast_table(Purchase)
    columns = ("id", "business_id", "branch_id", "terminal_id", "transaction_id", "member_id", "request_hash")
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in (*columns, "created_at")}
    values |= {"status": "completed", "response": {}, "total_minor": 0, "discount_minor": 0, "points_earned": 0}
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(values)
    # The answer is JSON text already: PostgreSQL casts it to its json type, SQLite stores the text as it is.
    text = bindparam("new_response", type_=Text)
    settle = (
        update(table)
        .where(table.c.business_id == bindparam("purchase_business"), table.c.id == bindparam("purchase_id"))
        .values(
            total_minor=bindparam("new_total_minor"),
            discount_minor=bindparam("new_discount_minor"),
            computed_discount_minor=bindparam("new_computed_discount_minor"),
            points_earned=bindparam("new_points_earned"),
            payments=bindparam("new_payments", type_=JSON),
            response=cast(text, JSON) if dialect == "postgresql" else text,
        )
    )
    held_back = book.held_back_of(bindparam("new_business_id"), bindparam("new_member_id"), bindparam("new_created_at"))
    found = built[dialect] = Statements(insert.on_conflict_do_nothing().returning(table.c.id, *held_back), settle)
    return found


def settle(
    session: Session, business: Business, priced: Priced, purchase_id: uuid.UUID, applied: awards.Applied, body: str
) -> None:
    """The one UPDATE of the purchase: its totals and the answer's text, stored as sent (queued: nothing reads
    its result)."""
    exponent = currency_exponent(business.currency)
    later.execute(
        session,
        statements(session.get_bind().dialect.name).settle,
        [
            {
                "purchase_business": business.id,
                "purchase_id": purchase_id,
                "new_total_minor": to_minor(priced.total, exponent),
                "new_discount_minor": to_minor(priced.discounts.total, exponent),
                "new_computed_discount_minor": (
                    None if priced.computed_discounts is None else to_minor(priced.computed_discounts.total, exponent)
                ),
                "new_points_earned": applied.points,
                "new_payments": [
                    {"mop": payment.mop, "amount_minor": to_minor(payment.amount, exponent)}
                    for payment in priced.payments_seen
                ],
                "new_response": body,
            }
        ],
    )
