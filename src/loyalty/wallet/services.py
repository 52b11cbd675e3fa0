"""The wallet's use cases at a door: topping up stored credit, buying in the point shop, reading the credit
statement and the shop. Each opens its transaction and holds its guards: the key's kind, a member key acting for
its own member only, the member's status, the Idempotency-Key bound to its request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Asset, Member, now
from loyalty.errors import Forbidden
from loyalty.i18n.names import names_out
from loyalty.members import access, cards
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import credit, shop


@dataclass(frozen=True)
class TopUp:
    member_id: uuid.UUID
    amount: object  # as sent: credit.load reads it at the currency's decimals
    reason: str
    idempotency_key: str | None


@dataclass(frozen=True)
class Bought:
    asset: cards.AssetCard
    order_id: str
    points_paid: str
    points_balance: str


@dataclass(frozen=True)
class ShopItem:
    benefit_id: str
    name: str
    kind: str
    price_points: str
    valid_days: int | None
    discount: dict[str, str] | None
    items: dict[str, list[str]] | None
    names: dict[str, str] = field(default_factory=dict)  # the name per language


@dataclass(frozen=True)
class Statement:
    member_id: str
    credit_balance: str
    items: list[dict[str, Any]]


def _kinds(who: Principal, *kinds: str) -> None:
    if who.kind not in kinds:
        raise Forbidden("forbidden", f"This needs a key of kind {' or '.join(kinds)}, not {who.kind}.")


def _own(who: Principal, member_id: uuid.UUID) -> None:
    if who.kind == "member" and who.member_id != member_id:
        raise members.MemberNotFound()  # another member's id: the same answer as a missing one


def top_up(db: Database, who: Principal, command: TopUp) -> tuple[dict[str, Any], bool]:
    """Load the credit a till took, with the business's bonus; (the load, False when it is a replay)."""
    _kinds(who, "admin", "pos")

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        business = access.business(session, who.business_id)
        # A blocked or pending account takes no money: the same refusal as every other use of the wallet.
        members.require_active(members.get(session, business_id=business.id, member_id=command.member_id))
        entry, created = credit.load(
            session,
            business=business,
            member_id=command.member_id,
            amount=command.amount,
            reason=command.reason,
            idempotency_key=command.idempotency_key,
            actor=who.actor,
            at=now(),
        )
        return credit.load_view(session, business, entry), created

    return db.write(work)


def statement(db: Database, who: Principal, member_id: uuid.UUID, limit: int) -> Statement:
    """The member's credit balance and its movements, newest first."""
    _kinds(who, "admin", "pos", "member")
    _own(who, member_id)
    with db.read() as session:
        business = access.business(session, who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        return Statement(
            member_id=str(member.id),
            credit_balance=credit.money(business, member.credit_balance),
            items=credit.history(session, business=business, member_id=member.id, limit=limit),
        )


def buy(
    db: Database, who: Principal, member_id: uuid.UUID, benefit_id: uuid.UUID, idempotency_key: str | None
) -> tuple[Bought, bool]:
    """Spend the benefit's price in points and put it in the wallet; (the purchase, False when it is a replay)."""
    _kinds(who, "admin", "pos", "member")
    _own(who, member_id)

    def work(session: Session) -> tuple[Bought, bool]:
        business = access.business(session, who.business_id)
        at = now()
        order, created = shop.buy(
            session,
            business=business,
            member_id=member_id,
            benefit_id=benefit_id,
            idempotency_key=idempotency_key,
            actor=who.actor,
            at=at,
        )
        asset = scoped.get(session, Asset, order.asset_id, business_id=business.id)
        member = scoped.get(session, Member, order.member_id, business_id=business.id)
        assert asset is not None and member is not None
        bought = Bought(
            asset=cards.asset_cards(session, business, [asset], at)[0],
            order_id=str(order.id),
            points_paid=shop.price_text(business, order.points) or "0",
            points_balance=members.format_points(business, member.points_balance),
        )
        return bought, created

    return db.write(work)


def catalogue(db: Database, who: Principal) -> list[ShopItem]:
    """The benefits sold for points, cheapest first."""
    _kinds(who, "admin", "pos", "member")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return [
            ShopItem(
                benefit_id=str(benefit.id),
                name=benefit.name,
                names=names_out(benefit.names),
                kind=benefit.kind,
                price_points=shop.price_text(business, benefit.price_points) or "0",
                valid_days=benefit.valid_days,
                discount=benefit.definition.get("discount"),
                items=benefit.definition.get("items"),
            )
            for benefit in shop.for_sale(session, business_id=business.id)
        ]
