"""A till's sales read back and the means of payment it offers (pos keys; admin keys may read too)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from loyalty.api.deps import admin_or_pos, database, pos
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members.access import Principal
from loyalty.sale import sales

router = APIRouter(prefix="/v1", tags=["point of sale"])


class MeansOfPaymentOut(BaseModel):
    means_of_payment: list[str] = Field(description="What the till offers for what points do not pay, in order.")


class PaymentOut(BaseModel):
    mop: str
    amount: str


class SaleOut(BaseModel):
    id: str
    transaction_id: str
    terminal_id: str
    member_id: str | None
    status: str
    total: str
    points_earned: str = Field(description="As confirmed; returns do not change it (see points_returned).")
    points_returned: str = Field(description="What returns took back of points_earned, in hundredths.")
    created_at: str
    cancelled_at: str | None


class SaleLineOut(BaseModel):
    line_id: str
    code: str
    name: str
    quantity: str
    returned_quantity: str
    amount: str
    discount: str
    points_earned: str = Field(description="Points the line earned, in hundredths, as returns take them back.")
    points_returned: str


class SaleDetailOut(SaleOut):
    subtotal: str | None
    discount_total: str | None
    points_paid: str
    payments: list[PaymentOut]
    earned: list[dict[str, Any]]
    discounts: list[dict[str, Any]]
    lines: list[SaleLineOut]


@router.get("/means-of-payment", response_model=MeansOfPaymentOut)
def means_of_payment(who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> dict[str, Any]:
    """The business's means of payment, as its tills offer them."""
    return {"means_of_payment": sales.means_of_payment(db, who)}


@router.get("/purchases", response_model=list[SaleOut])
def list_sales(
    transaction_id: str | None = Query(default=None, min_length=1, max_length=128),
    member_id: str | None = Query(default=None, max_length=64),
    who: Principal = Depends(pos),
    db: Database = Depends(database),
) -> list[dict[str, Any]]:
    """Today's sales of this till, newest first; with `transaction_id` or `member_id`, the business's sales found."""
    member = _uuid(member_id, "member_id") if member_id else None
    return sales.till_sales(db, who, transaction_id=transaction_id, member_id=member)


@router.get("/purchases/{purchase_id}", response_model=SaleDetailOut)
def show_sale(
    purchase_id: uuid.UUID, who: Principal = Depends(pos), db: Database = Depends(database)
) -> dict[str, Any]:
    """One sale in full: what was confirmed, its status, and per line what was returned."""
    return sales.sale(db, who, purchase_id)


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(field, "is not a member id") from None
