"""Undoing a confirmed purchase, whole (cancel) or line by line (returns), from what was recorded.

Nothing is recomputed: a cancel takes back exactly the points the purchase's ledger transactions gave (net
of what returns already took), gives its points payments back, returns its benefits to the wallet when
still valid and releases its code uses. A return takes back the points its lines earned, in proportion to
the quantity returned; the last unit of a line takes whatever of the line's points is left, so a line never
gives back more than it earned. Without `allow_negative_balance` a balance never goes below zero: what the
member has already spent is not recovered, and the answer says how much.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.campaigns import codes
from loyalty.db import scoped
from loyalty.db.engine import RetryTransaction
from loyalty.db.models import (
    Asset,
    Business,
    Member,
    PointsPayment,
    Purchase,
    PurchaseLine,
    PurchaseReturn,
    now,
)
from loyalty.errors import Conflict, InvalidInput
from loyalty.money import floor_points, hundredths_to_points
from loyalty.sale import credit_payments, payments, sale_effects
from loyalty.wallet import benefits, credit, ledger, punch_cards
from loyalty.wallet.lots import book
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event


@dataclass(frozen=True)
class ReturnedLine:
    line_id: str
    quantity: Decimal


def cancel(session: Session, *, business: Business, purchase: Purchase, at: datetime, actor: str) -> dict[str, Any]:
    """Undo `purchase`. A second cancel changes nothing and answers with the purchase as it stands."""
    cancelled = session.execute(
        update(Purchase)
        .where(Purchase.business_id == business.id, Purchase.id == purchase.id, Purchase.status == "completed")
        .values(status="cancelled", cancelled_at=at)
        .execution_options(synchronize_session=False)
    )
    scoped.get(session, Purchase, purchase.id, business_id=business.id, populate_existing=True)
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        return _cancel_answer(session, business, purchase, not_recovered=0)
    for payment in session.scalars(
        select(PointsPayment).where(PointsPayment.business_id == business.id, PointsPayment.purchase_id == purchase.id)
    ):
        payments.refund(session, business=business, payment=payment, at=at)
    credit_payments.refund_purchase(session, business=business, purchase_id=purchase.id, at=at)
    _, punches_lost = punch_cards.take_back(
        session, business=business, purchase_id=purchase.id, returned=None, reason="purchase cancelled", at=at
    )
    # Everything the sale gave: its points, its rules' uses, the benefits it granted (used ones reported), the tags
    # it added and the tier it lifted.
    lines = list(
        session.scalars(
            select(PurchaseLine)
            .where(PurchaseLine.business_id == business.id, PurchaseLine.purchase_id == purchase.id)
            .with_for_update()
        )
    )
    _, not_recovered, missed = sale_effects.undo_whole(
        session, business=business, purchase=purchase, lines=lines, at=at, reason="purchase cancelled"
    )
    for asset_id in session.scalars(
        select(Asset.id).where(Asset.business_id == business.id, Asset.redeemed_purchase_id == purchase.id)
    ):
        benefits.restore(session, business_id=business.id, asset_id=asset_id, purchase_id=purchase.id, at=at)
    codes.release(session, business_id=business.id, purchase_id=purchase.id, at=at)
    record(
        session,
        business.id,
        actor=actor,
        action="purchase.cancel",
        obj=purchase,
        details={"points_not_recovered": not_recovered, "punches_not_recovered": punches_lost},
    )
    answer = _cancel_answer(session, business, purchase, not_recovered=not_recovered)
    answer["punches_not_recovered"] = punches_lost
    answer["not_recovered"] = missed
    record_event(session, business.id, "purchase.cancelled", payloads.reversal(purchase.id, purchase.member_id, answer))
    return answer


def return_lines(
    session: Session,
    *,
    business: Business,
    purchase: Purchase,
    return_id: str,
    lines: Sequence[ReturnedLine],
    at: datetime,
    actor: str,
) -> tuple[dict[str, Any], bool]:
    """Take back the points of returned units. Idempotent per `return_id`: the same body answers the same."""
    fingerprint = hashlib.sha256(
        json.dumps([[line.line_id, str(line.quantity.normalize())] for line in lines]).encode()
    ).hexdigest()
    earlier = session.scalar(
        select(PurchaseReturn).where(
            PurchaseReturn.business_id == business.id,
            PurchaseReturn.purchase_id == purchase.id,
            PurchaseReturn.return_id == return_id,
        )
    )
    if earlier is not None:
        if earlier.request_hash != fingerprint:
            raise Conflict("return_conflict", f"Return {return_id} was already recorded with different lines.")
        return dict(earlier.response), False
    if purchase.status != "completed":
        raise Conflict("purchase_cancelled", "This purchase was cancelled; nothing is left to return.")
    entry = PurchaseReturn(
        business_id=business.id,
        purchase_id=purchase.id,
        return_id=return_id,
        request_hash=fingerprint,
        response={},
        created_at=at,
    )
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        raise RetryTransaction() from None  # a concurrent copy won: run again and replay its answer

    recorded = {
        line.line_id: line
        for line in session.scalars(
            select(PurchaseLine)
            .where(PurchaseLine.business_id == business.id, PurchaseLine.purchase_id == purchase.id)
            .with_for_update()
        )
    }
    taken = 0
    answer_lines = []
    for index, returned in enumerate(lines):
        line = recorded.get(returned.line_id)
        if line is None:
            raise InvalidInput(f"lines.{index}.line_id", f"{returned.line_id!r} is not a line of this purchase")
        left = Decimal(line.quantity) - Decimal(line.returned_quantity)
        if returned.quantity <= 0 or returned.quantity > left:
            raise InvalidInput(f"lines.{index}.quantity", f"must be more than 0 and at most {left}")
        points_left = line.points_earned - line.points_returned
        if returned.quantity == left:
            points = points_left  # the last units take what is left: never more than the line earned
        else:
            share = Decimal(line.points_earned) * returned.quantity / Decimal(line.quantity)
            points = min(int(share.to_integral_value(rounding=ROUND_FLOOR)), points_left)
        line.returned_quantity = str(Decimal(line.returned_quantity) + returned.quantity)
        line.points_returned += points
        taken += points
        answer_lines.append(
            {"line_id": line.line_id, "quantity": str(returned.quantity), "points": _points(business, points)}
        )
    not_recovered = 0
    if purchase.member_id is not None:
        not_recovered = _take_back(session, business, purchase, taken, reason=f"return {return_id}", at=at)
    returned_lines = {item.line_id for item in lines}
    so_far = {
        line.line_id: (Decimal(line.returned_quantity), Decimal(line.quantity))
        for line in recorded.values()
        if line.line_id in returned_lines
    }
    punches_back, punches_lost = punch_cards.take_back(
        session, business=business, purchase_id=purchase.id, returned=so_far, reason=f"return {return_id}", at=at
    )
    rows = list(recorded.values())
    undone: list[dict[str, str]] = []
    if all(Decimal(line.returned_quantity) >= Decimal(line.quantity) for line in rows):
        # Every unit is back: the sale is taken back whole, as a cancel takes it.
        more, lost, missed = sale_effects.undo_whole(
            session, business=business, purchase=purchase, lines=rows, at=at, reason=f"return {return_id}"
        )
        taken += more
        not_recovered += lost
    else:
        more, lost, undone, missed = sale_effects.recheck(
            session, business=business, purchase=purchase, lines=rows, at=at, reason=f"return {return_id}"
        )
        taken += more + lost
        not_recovered += lost
    answer = {
        "id": str(entry.id),
        "return_id": return_id,
        "purchase_id": str(purchase.id),
        "lines": answer_lines,
        "points_taken_back": _points(business, taken - not_recovered),
        "points_not_recovered": _points(business, not_recovered),
        "points_balance": _balance(session, business, purchase.member_id),
        "punches_taken_back": punches_back,
        "punches_not_recovered": punches_lost,
        "rules_undone": undone,
        "not_recovered": missed,
    }
    entry.response = answer
    record(session, business.id, actor=actor, action="purchase.return", obj=entry)
    record_event(session, business.id, "purchase.returned", payloads.reversal(purchase.id, purchase.member_id, answer))
    return answer, True


def _take_back(
    session: Session, business: Business, purchase: Purchase, points: int, *, reason: str, at: datetime | None = None
) -> int:
    """Take back `points` from the purchase's lots first (see `ledger.take_back`); returns what was not recovered:
    points already spent beyond the balance, and points of the purchase that have expired."""
    if points <= 0 or purchase.member_id is None:
        return 0
    return ledger.take_back(
        session,
        business=business,
        member_id=purchase.member_id,
        purchase_id=purchase.id,
        amount=points,
        reason=reason,
        at=at or now(),
    )


def _points(business: Business, hundredths: int) -> str:
    return str(floor_points(hundredths_to_points(hundredths), business.points_decimals))


def _balance(session: Session, business: Business, member_id: uuid.UUID | None) -> str | None:
    if member_id is None:
        return None
    cached = session.scalar(select(Member.points_balance).where(*_the_member(business, member_id))) or 0
    return _points(
        business, book.balance_now(session, business_id=business.id, member_id=member_id, cached=cached, at=now())
    )


def _cancel_answer(session: Session, business: Business, purchase: Purchase, *, not_recovered: int) -> dict[str, Any]:
    return {
        "id": str(purchase.id),
        "transaction_id": purchase.transaction_id,
        "status": purchase.status,
        "cancelled_at": purchase.cancelled_at.isoformat() if purchase.cancelled_at else None,
        "points_not_recovered": _points(business, not_recovered),
        "points_balance": _balance(session, business, purchase.member_id),
        "credit_balance": _credit_balance(session, business, purchase.member_id),
        "punches_not_recovered": 0,
    }


def _credit_balance(session: Session, business: Business, member_id: uuid.UUID | None) -> str | None:
    if member_id is None:
        return None
    return credit.money(
        business, session.scalar(select(Member.credit_balance).where(*_the_member(business, member_id))) or 0
    )


def _the_member(business: Business, member_id: uuid.UUID) -> tuple[Any, ...]:
    return Member.business_id == business.id, Member.id == member_id
