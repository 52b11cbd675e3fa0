"""Undoing a sale, for every door: cancel a confirmed purchase, return some of its lines, void a ticket.

Each opens and commits its own transaction and takes a till's key. What is undone is always what was recorded
(`reversals`): points, points and credit payments, benefits, code uses, punches.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.sale import purchases, reversals, tickets
from loyalty.sale.checkout import till


@dataclass(frozen=True)
class NamedLine:
    """A returned line as a till names it: by its line id, else by the item code of the original's first line
    with that code. `field` names it in a refusal (`items.0`)."""

    line_id: str
    code: str
    quantity: Decimal
    field: str


def cancel(db: Database, who: Principal, purchase_id: uuid.UUID) -> dict[str, Any]:
    """Undo a confirmed purchase. Twice is a no-op."""
    till(who)

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        purchase = purchases.find(session, business_id=business.id, purchase_id=purchase_id)
        return reversals.cancel(session, business=business, purchase=purchase, at=now(), actor=who.actor)

    return db.write(work)


def return_lines(
    db: Database, who: Principal, purchase_id: uuid.UUID, *, return_id: str, lines: list[reversals.ReturnedLine]
) -> tuple[dict[str, Any], bool]:
    """Take back the points of returned lines; the answer and whether it was recorded now (False: a replay)."""
    till(who)

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        purchase = purchases.find(session, business_id=business.id, purchase_id=purchase_id)
        return reversals.return_lines(
            session, business=business, purchase=purchase, return_id=return_id, lines=lines, at=now(), actor=who.actor
        )

    return db.write(work)


def return_of_ticket(
    db: Database, who: Principal, *, original_transaction: str, return_id: str, lines: list[NamedLine]
) -> dict[str, Any]:
    """A return that names its sale by transaction id: this till's sale, else the newest of that id at any till of
    the business (a return is often made at another till)."""
    terminal_id = till(who)

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        original = tickets.original(
            session, business_id=business.id, terminal_id=terminal_id, transaction_id=original_transaction
        )
        returned = _matched(tickets.lines(session, purchase=original), lines)
        answer, _ = reversals.return_lines(
            session,
            business=business,
            purchase=original,
            return_id=return_id,
            lines=returned,
            at=now(),
            actor=who.actor,
        )
        return answer

    return db.write(work)


def void(db: Database, who: Principal, transaction_id: str) -> tickets.Voided:
    """Abandon a ticket: its open record, its points and credit payments, and its purchase if confirmed."""
    terminal_id = till(who)

    def work(session: Session) -> tickets.Voided:
        business = access.business(session, who.business_id)
        return tickets.void(
            session,
            business=business,
            terminal_id=terminal_id,
            transaction_id=transaction_id,
            at=now(),
            actor=who.actor,
        )

    return db.write(work)


def _matched(recorded: list[Any], named: list[NamedLine]) -> list[reversals.ReturnedLine]:
    by_id = {line.line_id: line for line in recorded}
    wanted: dict[str, Decimal] = {}
    for item in named:
        if item.quantity == 0:
            raise InvalidInput(f"{item.field}.quantity", "must not be zero in a return")
        line = by_id.get(item.line_id.strip())
        if line is None and item.code:
            line = next((row for row in recorded if row.code == item.code), None)
        if line is None:
            raise InvalidInput(f"{item.field}.line_id", "matches no line of the original purchase")
        wanted[line.line_id] = wanted.get(line.line_id, Decimal(0)) + item.quantity
    if not wanted:
        raise InvalidInput("items", "a return names at least one line")
    return [reversals.ReturnedLine(line_id, quantity) for line_id, quantity in wanted.items()]
