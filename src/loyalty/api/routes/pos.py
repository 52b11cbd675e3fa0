"""The point of sale: quotes, points payments, purchases, cancellations and returns (pos keys)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from loyalty import access, payments, purchases, reversals
from loyalty import rules as engine
from loyalty.access import Principal
from loyalty.api.deps import database, pos
from loyalty.db.engine import Database
from loyalty.db.models import now

router = APIRouter(prefix="/v1", tags=["point of sale"])

MAX_AMOUNT = Decimal("1000000000")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(Strict):
    line_id: str = Field(min_length=1, max_length=64)
    code: str = Field(default="", max_length=64)
    name: str = Field(default="", max_length=200)
    department: str | None = Field(default=None, max_length=64)
    quantity: Decimal = Field(default=Decimal(1), gt=0, le=Decimal(1_000_000), decimal_places=3)
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, description="The line total, after the POS's own discounts.")
    tags: list[str] = Field(default_factory=list, max_length=20)


class PaymentIn(Strict):
    mop: str = Field(min_length=1, max_length=64, description="The means of payment, exactly as the POS names it.")
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT)


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


class PointsPaymentIn(Strict):
    member_id: uuid.UUID
    transaction_id: str = Field(min_length=1, max_length=128)
    amount: Decimal = Field(gt=0, le=MAX_AMOUNT)


class PointsPaymentOut(BaseModel):
    id: str
    member_id: str
    transaction_id: str
    status: str
    amount: str
    points_used: str
    points_balance: str


class CancelOut(BaseModel):
    id: str
    transaction_id: str
    status: str
    cancelled_at: str | None
    points_not_recovered: str
    points_balance: str | None


class ReturnLineIn(Strict):
    line_id: str = Field(min_length=1, max_length=64)
    quantity: Decimal = Field(gt=0, le=Decimal(1_000_000), decimal_places=3)


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


def answer(body: dict[str, Any], status: int) -> Response:
    """One serialisation for a first answer and its replays, so a replay is byte-identical."""
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


def _terminal(who: Principal) -> uuid.UUID:
    assert who.terminal_id is not None  # every pos key belongs to a terminal
    return who.terminal_id


@router.post("/quotes", response_model=QuoteOut)
def quote(body: PurchaseIn, who: Principal = Depends(pos), db: Database = Depends(database)) -> dict[str, Any]:
    """What the sale would cost and earn with the requested benefits and codes. Writes nothing."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        priced = purchases.price(
            session, business=business, terminal_id=_terminal(who), branch_id=who.branch_id, sale=body.sale(), at=now()
        )
        return purchases.quote_answer(priced, business)


@router.post(
    "/purchases",
    status_code=201,
    response_model=PurchaseOut,
    responses={
        200: {"model": PurchaseOut, "description": "A replay: the first answer, unchanged."},
        409: {"description": "transaction_conflict, or a benefit/code that can no longer apply"},
    },
)
def confirm(body: PurchaseIn, who: Principal = Depends(pos), db: Database = Depends(database)) -> Response:
    """Record a purchase once per terminal and transaction id: points, redemptions and payments together."""
    sale = body.sale()

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        return purchases.confirm(
            session,
            business=business,
            terminal_id=_terminal(who),
            branch_id=who.branch_id,
            sale=sale,
            at=purchases.occurred(sale, now()),
            actor=who.actor,
        )

    result, created = db.write(work)
    return answer(result, 201 if created else 200)


@router.post("/purchases/{purchase_id}/cancel", response_model=CancelOut)
def cancel(purchase_id: uuid.UUID, who: Principal = Depends(pos), db: Database = Depends(database)) -> Response:
    """Undo a purchase. Twice is a no-op."""

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        purchase = purchases.find(session, business_id=business.id, purchase_id=purchase_id)
        return reversals.cancel(session, business=business, purchase=purchase, at=now(), actor=who.actor)

    return answer(db.write(work), 200)


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

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        purchase = purchases.find(session, business_id=business.id, purchase_id=purchase_id)
        return reversals.return_lines(
            session,
            business=business,
            purchase=purchase,
            return_id=body.return_id,
            lines=lines,
            at=now(),
            actor=who.actor,
        )

    result, created = db.write(work)
    return answer(result, 201 if created else 200)


@router.post(
    "/payments",
    status_code=201,
    response_model=PointsPaymentOut,
    responses={200: {"model": PointsPaymentOut, "description": "A replay of the same Idempotency-Key."}},
)
def pay_with_points(
    body: PointsPaymentIn,
    who: Principal = Depends(pos),
    db: Database = Depends(database),
    idempotency_key: str | None = Header(
        default=None, max_length=128, description="Makes a retried request pay only once."
    ),
) -> Response:
    """Pay part of a sale with points, at most what the balance covers."""
    request = payments.PaymentRequest(body.member_id, body.transaction_id, body.amount, idempotency_key)

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        payment, created = payments.pay(
            session, business=business, terminal_id=_terminal(who), request=request, actor=who.actor
        )
        return payments.view(session, business, payment), created

    result, created = db.write(work)
    return answer(result, 201 if created else 200)


@router.post("/payments/{payment_id}/cancel", response_model=PointsPaymentOut)
def cancel_payment(payment_id: uuid.UUID, who: Principal = Depends(pos), db: Database = Depends(database)) -> Response:
    """Give the points of a payment back (before the purchase is confirmed). Twice is a no-op."""

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        payment = payments.cancel(session, business=business, payment_id=payment_id, actor=who.actor)
        return payments.view(session, business, payment)

    return answer(db.write(work), 200)
