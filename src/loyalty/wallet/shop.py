"""The point shop: benefits with a price in points, bought by the member in the app or at the till.

A purchase is one database transaction: the benefit goes into the wallet, the points leave the balance through
the ledger's guarded spend (two buys racing for a balance enough for one: exactly one succeeds), and a
`shop_order` row, unique per member and Idempotency-Key, records it; a retry with the same key answers with the
first purchase. An unused bought benefit that is deactivated gives its points back, once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.engine import RetryTransaction
from loyalty.db.models import Asset, Benefit, Business, Member, ShopOrder
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.money import floor_points, hundredths_to_points, points_to_hundredths
from loyalty.rules.message import msg, named
from loyalty.rules.written import translations_of
from loyalty.wallet import benefits, ledger

MAX_PRICE = Decimal("100000000")


class InsufficientPoints(Conflict):
    def __init__(self, price: int, balance: int) -> None:
        super().__init__(
            "insufficient_points",
            "The member does not have enough points for this.",
            price_hundredths=price,
            balance_hundredths=balance,
        )


def parse_price(value: object, business: Business, where: str = "price_points") -> int | None:
    """A shop price in hundredths of a point (None: not for sale); a 422 naming `where` otherwise."""
    if value is None:
        return None
    expected = 'must be a number of points like "60", above zero'
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InvalidInput(where, expected)
    try:
        points = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise InvalidInput(where, expected) from None
    if not points.is_finite() or points <= 0:
        raise InvalidInput(where, expected)
    if points > MAX_PRICE:
        raise InvalidInput(where, f"must be at most {MAX_PRICE}")
    if floor_points(points, business.points_decimals) != points:
        raise InvalidInput(where, f"has more decimals than the business's {business.points_decimals} for points")
    return points_to_hundredths(points)


def price_text(business: Business, hundredths: int | None) -> str | None:
    if hundredths is None:
        return None
    return str(floor_points(hundredths_to_points(hundredths), business.points_decimals))


def for_sale(session: Session, *, business_id: uuid.UUID) -> list[Benefit]:
    """The active benefits with a price, cheapest first."""
    query = select(Benefit).where(
        Benefit.business_id == business_id, Benefit.status == "active", Benefit.price_points.is_not(None)
    )
    return list(session.scalars(query.order_by(Benefit.price_points, Benefit.name, Benefit.id)))


def buy(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    benefit_id: uuid.UUID,
    idempotency_key: str | None,
    actor: str,
    at: datetime,
) -> tuple[ShopOrder, bool]:
    """Spend the benefit's price and put it in the wallet; once per Idempotency-Key (False: a replay)."""
    member = scoped.get(session, Member, member_id, business_id=business.id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    if not idempotency_key:
        raise InvalidInput("Idempotency-Key", "is required: a retried purchase must spend once")
    # Looked up for any member: a key a till reused for another member's purchase is a conflict, not a second buy.
    earlier = session.scalar(
        select(ShopOrder).where(ShopOrder.business_id == business.id, ShopOrder.idempotency_key == idempotency_key)
    )
    if earlier is not None:
        if earlier.benefit_id != benefit_id or earlier.member_id != member.id:
            raise Conflict("idempotency_conflict", "This Idempotency-Key was used for another purchase.")
        return earlier, False
    if member.status != "active":
        raise Refused(
            f"member_{member.status}", f"This loyalty account is {member.status}: its points cannot be spent."
        )
    benefit = benefits.get(session, business_id=business.id, benefit_id=benefit_id)
    if benefit.status != "active" or benefit.price_points is None:
        raise Conflict("not_for_sale", "This benefit is not sold for points.", benefit_id=str(benefit_id))
    price = benefit.price_points
    asset = benefits.grant(session, business=business, member_id=member.id, benefit_id=benefit.id, source="shop", at=at)
    try:
        ledger.post(
            session,
            business=business,
            member_id=member.id,
            kind="pay",
            amount=-price,
            cause=ledger.Cause(
                reason=f"bought {benefit.name} in the point shop",
                message=msg(
                    "bought {benefit} in the point shop", benefit=named(benefit.name, translations_of(benefit.names))
                ),
            ),
            may_go_negative=False,
        )
    except ledger.InsufficientPoints:
        raise InsufficientPoints(price, member.points_balance) from None
    order = ShopOrder(
        business_id=business.id,
        member_id=member.id,
        idempotency_key=idempotency_key,
        benefit_id=benefit.id,
        asset_id=asset.id,
        points=price,
        created_at=at,
    )
    session.add(order)
    try:
        session.flush()
    except IntegrityError:
        raise RetryTransaction() from None  # the same key raced in: run again and answer with the first
    record(session, business.id, actor=actor, action="shop.buy", obj=order)
    return order, True


def refund_if_bought(session: Session, *, business: Business, asset: Asset, at: datetime) -> int:
    """A deactivated, unused bought benefit gives its points back, once; returns the hundredths given back."""
    if asset.status != "deactivated" or asset.redeemed_at is not None:
        return 0
    order = session.scalar(
        select(ShopOrder).where(
            ShopOrder.business_id == business.id, ShopOrder.asset_id == asset.id, ShopOrder.status == "paid"
        )
    )
    if order is None:
        return 0
    changed = session.execute(
        update(ShopOrder)
        .where(ShopOrder.business_id == business.id, ShopOrder.id == order.id, ShopOrder.status == "paid")
        .values(status="refunded", refunded_at=at)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    ledger.post(
        session,
        business=business,
        member_id=order.member_id,
        kind="refund",
        amount=order.points,
        cause=ledger.Cause(reason="a benefit bought in the point shop was deactivated unused"),
        may_go_negative=True,
    )
    return order.points
