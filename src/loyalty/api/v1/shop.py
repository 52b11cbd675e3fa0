"""The point shop: what is for sale, and buying it with points (member keys for themselves, pos, admin)."""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import database, require
from loyalty.api.v1.member_shapes import AssetOut, asset_out
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.wallet import services

router = APIRouter(prefix="/v1", tags=["point shop"])


class BuyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    benefit_id: uuid.UUID


class BoughtOut(AssetOut):
    order_id: str
    points_paid: str
    points_balance: str


class ShopItemOut(BaseModel):
    benefit_id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name per language; {} when none.")
    kind: str
    price_points: str
    valid_days: int | None
    discount: dict[str, str] | None = None
    items: dict[str, list[str]] | None = None


@router.get("/shop", response_model=list[ShopItemOut])
def for_sale(
    who: Principal = Depends(require("admin", "pos", "member")), db: Database = Depends(database)
) -> list[ShopItemOut]:
    """The benefits sold for points, cheapest first."""
    return [ShopItemOut.model_validate(item, from_attributes=True) for item in services.catalogue(db, who)]


@router.post(
    "/members/{member_id}/benefits/buy",
    status_code=201,
    response_model=BoughtOut,
    responses={
        200: {"model": BoughtOut, "description": "A replay of the same Idempotency-Key."},
        409: {"description": "insufficient_points, not_for_sale, or the key used for another purchase"},
    },
)
def buy(
    member_id: uuid.UUID,
    body: BuyIn,
    who: Principal = Depends(require("admin", "pos", "member")),
    db: Database = Depends(database),
    idempotency_key: str | None = Header(default=None, max_length=128, description="Required: a retry spends once."),
) -> Response:
    """Spend the benefit's price in points and put it in the member's wallet."""
    bought, created = services.buy(db, who, member_id, body.benefit_id, idempotency_key)
    shown = BoughtOut(
        **asset_out(bought.asset).model_dump(),
        order_id=bought.order_id,
        points_paid=bought.points_paid,
        points_balance=bought.points_balance,
    )
    return Response(
        json.dumps(shown.model_dump(mode="json"), separators=(",", ":")),
        status_code=201 if created else 200,
        media_type="application/json",
    )
