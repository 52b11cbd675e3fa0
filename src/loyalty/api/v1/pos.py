"""The point of sale: quotes, points payments, purchases, cancellations and returns (pos keys)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty import rules as engine
from loyalty.api.deps import database, pos, settings_of
from loyalty.api.numbers import Plain
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members.access import Principal
from loyalty.sale import checkout, open_payments, purchases, reversals, tender, undo
from loyalty.settings import Settings

router = APIRouter(prefix="/v1", tags=["point of sale"])

MAX_AMOUNT = Decimal("1000000000")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(Strict):
    line_id: str = Field(min_length=1, max_length=64)
    code: str = Field(default="", max_length=64)
    name: str = Field(default="", max_length=200)
    department: str | None = Field(default=None, max_length=64)
    quantity: Plain = Field(default=Decimal(1), gt=0, le=Decimal(1_000_000), decimal_places=3)
    amount: Plain = Field(ge=0, le=MAX_AMOUNT, description="The line total, after the POS's own discounts.")
    tags: list[str] = Field(default_factory=list, max_length=20)


class PaymentIn(Strict):
    mop: str = Field(min_length=1, max_length=64, description="The means of payment, exactly as the POS names it.")
    amount: Plain = Field(ge=0, le=MAX_AMOUNT)


class PurchaseIn(Strict):
    transaction_id: str = Field(min_length=1, max_length=128)
    member_id: uuid.UUID | None = None
    items: list[ItemIn] = Field(min_length=1, max_length=500)
    payments: list[PaymentIn] = Field(default_factory=list, max_length=20)
    benefits: list[str] = Field(default_factory=list, max_length=20, description="Wallet asset ids to apply.")
    codes: list[str] = Field(default_factory=list, max_length=20, description="Promo codes typed at the till.")
    occurred_at: datetime | None = Field(
        default=None,
        description="When the sale happened, for a till that sends it later (at most "
        f"{purchases.MAX_LATE_DAYS} days ago, with its offset); it dates the points' lots and the rules. "
        "Default: now.",
    )

    def sale(self) -> purchases.Sale:
        return purchases.Sale(
            transaction_id=self.transaction_id,
            member_id=self.member_id,
            lines=tuple(
                engine.Line(
                    line_id=item.line_id,
                    code=item.code,
                    name=item.name,
                    department=item.department,
                    quantity=item.quantity,
                    amount=item.amount,
                    tags=tuple(item.tags),
                )
                for item in self.items
            ),
            payments=tuple(engine.Payment(mop=payment.mop, amount=payment.amount) for payment in self.payments),
            benefits=tuple(self.benefits),
            codes=tuple(self.codes),
            occurred_at=self.occurred_at,
        )


class LineAmountOut(BaseModel):
    line_id: str
    amount: str


class DiscountOut(BaseModel):
    source: str
    id: str
    name: str
    amount: str
    lines: list[LineAmountOut]


class LinePointsOut(BaseModel):
    line_id: str
    points: str


class EarnedOut(BaseModel):
    rule_id: str | None
    revision: int | None
    rule_name: str
    points: str
    explanation: str
    lines: list[LinePointsOut]


class QuoteOut(BaseModel):
    transaction_id: str
    member_id: str | None
    subtotal: str
    discounts: list[DiscountOut]
    discount_total: str
    total: str
    points_earned: str
    earned: list[EarnedOut]
    rejected: list[dict[str, str]]
    punches: list[dict[str, Any]] = Field(default_factory=list, description="What the sale does to each punch card.")


class PurchaseOut(BaseModel):
    id: str
    transaction_id: str
    member_id: str | None
    status: str
    subtotal: str
    total: str
    discount_total: str
    points_earned: str
    points_paid: str
    points_balance: str | None
    earned: list[EarnedOut]
    discounts: list[DiscountOut]
    redeemed: list[str]
    codes_used: list[str]
    granted: list[str]
    created_at: str
    payments: list[dict[str, str]] = Field(default_factory=list, description="The means of payment, as counted.")
    credit_paid: str = "0.00"
    credit_balance: str | None = None
    punches: list[dict[str, Any]] = Field(default_factory=list, description="Punches per card, rewards granted.")


class PointsPaymentIn(Strict):
    member_id: uuid.UUID
    transaction_id: str = Field(min_length=1, max_length=128)
    amount: Plain = Field(gt=0, le=MAX_AMOUNT)
    purchase: PurchaseIn | None = Field(
        default=None,
        description="The sale as it stands (as for a quote): the payment is capped at what it still owes.",
    )
    wallet: Literal["points", "credit"] = Field(
        default="points", description="What pays: points (MOP `points`) or stored credit (MOP `credit`)."
    )


class PointsPaymentOut(BaseModel):
    id: str
    member_id: str
    transaction_id: str
    status: str
    amount: str
    points_used: str
    points_balance: str
    wallet: str = "points"
    credit_balance: str | None = None


class OpenPaymentOut(BaseModel):
    id: str
    wallet: str = Field(description="points | credit")
    transaction_id: str
    member_id: str
    member_name: str
    amount: str
    points_used: str
    created_at: str


class CancelOut(BaseModel):
    id: str
    transaction_id: str
    status: str
    cancelled_at: str | None
    points_not_recovered: str
    points_balance: str | None
    credit_balance: str | None = None
    punches_not_recovered: int = 0
    not_recovered: list[dict[str, str]] = Field(
        default=[], description="What the sale gave that could not be taken back: benefits already used."
    )


class ReturnLineIn(Strict):
    line_id: str = Field(min_length=1, max_length=64)
    quantity: Plain = Field(gt=0, le=Decimal(1_000_000), decimal_places=3)


class ReturnIn(Strict):
    return_id: str = Field(min_length=1, max_length=128)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)


class ReturnedLineOut(BaseModel):
    line_id: str
    quantity: str
    points: str


class ReturnOut(BaseModel):
    id: str
    return_id: str
    purchase_id: str
    lines: list[ReturnedLineOut]
    points_taken_back: str
    points_not_recovered: str
    points_balance: str | None
    punches_taken_back: int = 0
    punches_not_recovered: int = 0
    rules_undone: list[dict[str, str]] = Field(
        default=[], description="Rules whose conditions on the sale (min_spend, contains) no longer hold: undone."
    )
    not_recovered: list[dict[str, str]] = Field(
        default=[], description="What the sale gave that could not be taken back: benefits already used."
    )


def answer(body: dict[str, Any], status: int) -> Response:
    """One serialisation for a first answer and its replays, so a replay is byte-identical."""
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


@router.post("/quotes", response_model=QuoteOut, responses={429: {"description": "too_many_attempts"}})
def quote(
    body: PurchaseIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    settings: Settings = Depends(settings_of),
) -> Response:
    """What the sale would cost and earn with the requested benefits and codes. Writes nothing but the
    failed codes, which are limited per terminal and business."""
    quoted = checkout.quote(db, who, body.sale(), settings=settings)
    # Serialised once, as the response model would write it (its fields in this order, UTF-8 as is): a till asks
    # for several quotes per sale.
    text = json.dumps(quoted.answer, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(text.encode(), media_type="application/json")


@router.post(
    "/purchases",
    status_code=201,
    response_model=PurchaseOut,
    responses={
        200: {"model": PurchaseOut, "description": "A replay: the first answer, unchanged."},
        409: {"description": "transaction_conflict, or a benefit/code that can no longer apply"},
        429: {"description": "too_many_attempts: too many failed codes from this terminal or business"},
    },
)
def confirm(
    body: PurchaseIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    settings: Settings = Depends(settings_of),
) -> Response:
    """Record a purchase once per terminal and transaction id: points, redemptions and payments together."""
    done = checkout.confirm(db, who, body.sale(), settings=settings)
    # The text stored with the purchase is the one sent: serialised once, and a replay sends it again.
    return Response(done.body, status_code=201 if done.created else 200, media_type="application/json")


@router.post("/purchases/{purchase_id}/cancel", response_model=CancelOut)
def cancel(purchase_id: uuid.UUID, who: Principal = Depends(pos), db: Database = Depends(database)) -> Response:
    """Undo a purchase. Twice is a no-op."""
    return answer(undo.cancel(db, who, purchase_id), 200)


@router.post(
    "/purchases/{purchase_id}/returns",
    status_code=201,
    response_model=ReturnOut,
    responses={200: {"model": ReturnOut, "description": "A replay of the same return_id."}},
)
def return_lines(
    purchase_id: uuid.UUID, body: ReturnIn, who: Principal = Depends(pos), db: Database = Depends(database)
) -> Response:
    """Take back the points of returned lines, in proportion to the quantity returned."""
    lines = [reversals.ReturnedLine(line.line_id, line.quantity) for line in body.lines]
    result, created = undo.return_lines(db, who, purchase_id, return_id=body.return_id, lines=lines)
    return answer(result, 201 if created else 200)


@router.post(
    "/payments",
    status_code=201,
    response_model=PointsPaymentOut,
    responses={
        200: {"model": PointsPaymentOut, "description": "A replay of the same Idempotency-Key."},
        409: {"description": "idempotency_conflict: the key was sent with another payment; payments_exceed_total"},
    },
)
def pay_with_points(
    body: PointsPaymentIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    idempotency_key: str = Header(
        min_length=1,
        max_length=128,
        description="Required: a key the till makes for this payment and sends again on every retry of it, "
        "so a retried payment (after a timeout or a 503) pays once. Sent with another payment: 409.",
    ),
) -> Response:
    """Pay part of a sale with points, or with stored credit (`wallet: credit`), at most what the balance covers
    and, with `purchase`, what the sale still owes. Idempotent by the Idempotency-Key."""
    request = tender.Payment(
        body.member_id, body.transaction_id, body.amount, idempotency_key, body.wallet, _sale_paid_for(body)
    )
    paid = tender.pay(db, who, request)
    return answer(paid.view, 201 if paid.created else 200)


def _sale_paid_for(body: PointsPaymentIn) -> purchases.Sale | None:
    """The sale a capped payment is for: the same transaction, and the paying member's (its benefits count)."""
    if body.purchase is None:
        return None
    if body.purchase.transaction_id != body.transaction_id:
        raise InvalidInput("purchase.transaction_id", "must be the payment's transaction_id")
    if body.purchase.member_id not in (None, body.member_id):
        raise InvalidInput("purchase.member_id", "must be the paying member or absent")
    return replace(body.purchase.sale(), member_id=body.member_id)


@router.get("/payments", response_model=list[OpenPaymentOut])
def open_payments_of_the_till(who: Principal = Depends(pos), db: Database = Depends(database)) -> list[dict[str, Any]]:
    """This till's payments (points or credit) of the last 7 days whose sale was never confirmed nor given back,
    oldest first: a sale lost with its tab leaves them. Give one back with `POST /v1/payments/{id}/cancel`, or
    confirm its sale under its `transaction_id`."""
    return open_payments.listed(db, who)


@router.post("/payments/{payment_id}/cancel", response_model=PointsPaymentOut)
def cancel_payment(payment_id: uuid.UUID, who: Principal = Depends(pos), db: Database = Depends(database)) -> Response:
    """Give the points of a payment back (before the purchase is confirmed). Twice is a no-op."""
    return answer(tender.cancel(db, who, payment_id).view, 200)
