"""A sale's tab: the one row that members' payments on a till's transaction take turns on.

What a sale still owes is its total less the points and credit payments already made on it. Read-then-pay is only
true if no other payment on the same sale commits in between: on PostgreSQL (read committed), sixteen tills paying
one 10.00 sale at once each read "10.00 owed" and paid 158.80 in all. So a payment first takes the lock of its sale's
tab, keyed by (business, terminal, transaction): a later payment waits until the earlier one commits, and its reads,
made after, see it. SQLite needs no row: every write transaction there begins with BEGIN IMMEDIATE, which already
admits one writer at a time.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, literal, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from loyalty.db import later
from loyalty.db.ids import new_id
from loyalty.db.models import SaleTab
from loyalty.db.rows import cast_table
from loyalty.sale import settlement


def hold(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str, at: datetime
) -> None:
    """Lock the tab of this sale until the transaction ends (made on the first payment)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # One statement that makes the row or, when it is there, locks it as SELECT … FOR UPDATE would: the UPDATE of
    # ON CONFLICT takes the row lock, and a concurrent first INSERT of the same key waits for the other to end.
    session.connection().execute(
        _HOLD,
        {
            "new_id": new_id(),
            "new_business_id": business_id,
            "new_terminal_id": terminal_id,
            "new_transaction_id": transaction_id,
            "new_held_at": at,
        },
    )


def wait(
    session: Session, *, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str
) -> frozenset[str] | None:
    """For the confirmation: wait for a payment on this sale that is under way, and hold payments off until the
    purchase is committed (they then find the sale confirmed). A read of the tab, where one was made: a sale that no
    payment ever touched writes nothing for it.

    The same statement asks which kinds of payment the sale has (`settlement.recorded_for`'s probe), and they are
    returned for the pricing that follows: one round trip fewer for the usual sale. None when they must be read again:
    on SQLite (nothing was read), or when a tab was found, as the wait may have been for a payment whose rows this
    statement's snapshot predates."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    params = {"business_id": business_id, "terminal_id": terminal_id, "transaction_id": transaction_id}
    kinds = frozenset(row[0] for row in later.rows(session, _WAIT_AND_PROBE, params))
    return None if _TAB in kinds else kinds


def _hold() -> Any:
    table = cast_table(SaleTab)
    columns = ("id", "business_id", "terminal_id", "transaction_id", "held_at")
    made = postgresql.insert(table).values({name: bindparam(f"new_{name}") for name in columns})
    return made.on_conflict_do_update(
        index_elements=[table.c.business_id, table.c.terminal_id, table.c.transaction_id],
        set_={"held_at": made.excluded.held_at},
    )


_HOLD = _hold()
_WAIT = (
    select(SaleTab.id)
    .where(
        SaleTab.business_id == bindparam("business_id"),
        SaleTab.terminal_id == bindparam("terminal_id"),
        SaleTab.transaction_id == bindparam("transaction_id"),
    )
    .with_for_update()
)
_TAB = "tab"


def _wait_and_probe() -> Any:
    """The tab locked (a sub-select: PostgreSQL allows no FOR UPDATE in a UNION), then the payment kinds."""
    held = _WAIT.subquery("held")
    found: Any = select(literal(_TAB).label("wallet")).select_from(held)
    return union_all(found, *settlement.probe_selects())


_WAIT_AND_PROBE = _wait_and_probe()
