"""The point shop: what is for sale, and buying it with points (member keys for themselves, pos, admin)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from loyalty.api.deps import database, require
from loyalty.api.v1.members import AssetOut, asset_outs
from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Asset, Member, now
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import shop

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
    with db.read() as session:
        business = access.business(session, who.business_id)
        return [
            ShopItemOut(
                benefit_id=str(benefit.id),
                name=benefit.name,
                kind=benefit.kind,
                price_points=shop.price_text(business, benefit.price_points) or "0",
                valid_days=benefit.valid_days,
                discount=benefit.definition.get("discount"),
                items=benefit.definition.get("items"),
            )
            for benefit in shop.for_sale(session, business_id=business.id)
        ]


@router.post(
    "/members/{member_id}/benefits/buy",
    status_code=201,
    response_model=BoughtOut,
    responses={
        200: {"model": BoughtOut, "description": "A replay of the same Idempotency-Key."},
        409: {"description": "insufficient_points, not_for_sale, or the key used for another benefit"},
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
    if who.kind == "member" and who.member_id != member_id:
        raise members.MemberNotFound()  # another member's id: the same answer as a missing one

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        at = now()
        order, created = shop.buy(
            session,
            business=business,
            member_id=member_id,
            benefit_id=body.benefit_id,
            idempotency_key=idempotency_key,
            actor=who.actor,
            at=at,
        )
        asset = scoped.get(session, Asset, order.asset_id, business_id=business.id)
        member = scoped.get(session, Member, order.member_id, business_id=business.id)
        assert asset is not None and member is not None
        shown = asset_outs(session, business, [asset], at)[0]
        bought = BoughtOut(
            **shown.model_dump(),
            order_id=str(order.id),
            points_paid=shop.price_text(business, order.points) or "0",
            points_balance=members.format_points(business, member.points_balance),
        )
        return bought.model_dump(mode="json"), created

    result, created = db.write(work)
    return Response(
        json.dumps(result, separators=(",", ":")), status_code=201 if created else 200, media_type="application/json"
    )
