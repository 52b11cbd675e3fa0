"""The wallet's templates at a door: benefits (what a wallet entry gives, and its point-shop price) and punch
cards, set up by an admin and read by tills; and the punch cards a member has. Each answer is the template's
outline, as the API shows it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import InvalidInput
from loyalty.i18n.names import checked_names
from loyalty.members import access, reading
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import benefits, punch_cards, shop

Outline = dict[str, Any]


def create_benefit(db: Database, who: Principal, data: Mapping[str, Any], price: object) -> Outline:
    reading.kinds(who, "admin")

    def work(session: Session) -> Outline:
        business = access.business(session, who.business_id)
        price_points = shop.parse_price(price, business)
        benefit = benefits.create(session, business=business, data=data, at=now())
        benefit.price_points = price_points
        record(session, business.id, actor=who.actor, action="benefit.create", obj=benefit)
        return benefits.outline(benefit)

    return db.write(work)


def benefit_list(db: Database, who: Principal) -> list[Outline]:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        return [benefits.outline(benefit) for benefit in benefits.templates(session, business_id=who.business_id)]


def benefit(db: Database, who: Principal, benefit_id: uuid.UUID) -> Outline:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        return benefits.outline(benefits.get(session, business_id=who.business_id, benefit_id=benefit_id))


def change_benefit(db: Database, who: Principal, benefit_id: uuid.UUID, changes: Mapping[str, Any]) -> Outline:
    """Change what `changes` names of a benefit, in one transaction: `price_points` (null takes it off the shop)
    and `names` (null clears them). Naming neither is a 422."""
    reading.kinds(who, "admin")
    if not {"price_points", "names"} & set(changes):
        raise InvalidInput("price_points", "is required: give price_points, names, or both")

    def work(session: Session) -> Outline:
        business = access.business(session, who.business_id)
        found = benefits.get(session, business_id=business.id, benefit_id=benefit_id)
        if "names" in changes:
            found.names = checked_names(changes["names"])
            record(session, business.id, actor=who.actor, action="benefit.names", obj=found, details=found.names or {})
        if "price_points" in changes:
            found.price_points = shop.parse_price(changes["price_points"], business)
            details = {"price_points": shop.price_text(business, found.price_points)}
            record(session, business.id, actor=who.actor, action="benefit.price", obj=found, details=details)
        return benefits.outline(found)

    return db.write(work)


def create_punch_card(db: Database, who: Principal, data: Mapping[str, Any]) -> Outline:
    reading.kinds(who, "admin")

    def work(session: Session) -> Outline:
        business = access.business(session, who.business_id)
        return punch_cards.outline(punch_cards.create(session, business=business, data=data, actor=who.actor, at=now()))

    return db.write(work)


def punch_card_list(db: Database, who: Principal) -> list[Outline]:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        return [punch_cards.outline(card) for card in punch_cards.listing(session, business_id=who.business_id)]


def punch_card(db: Database, who: Principal, card_id: uuid.UUID) -> Outline:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        return punch_cards.outline(punch_cards.get(session, business_id=who.business_id, card_id=card_id))


def replace_punch_card(db: Database, who: Principal, card_id: uuid.UUID, data: Mapping[str, Any]) -> Outline:
    """A new definition (members keep their punches); `"status": "stopped"` stops punching."""
    reading.kinds(who, "admin")

    def work(session: Session) -> Outline:
        business = access.business(session, who.business_id)
        changed = punch_cards.replace(session, business=business, card_id=card_id, data=data, actor=who.actor, at=now())
        return punch_cards.outline(changed)

    return db.write(work)


def members_punch_cards(db: Database, who: Principal, member_id: uuid.UUID) -> list[Outline]:
    """One entry per punch card the member has punched; a member key sees its own member only."""
    reading.kinds(who, "admin", "pos", "member")
    if who.kind == "member" and who.member_id != member_id:
        raise members.MemberNotFound()
    with db.read() as session:
        member = members.get(session, business_id=who.business_id, member_id=member_id)
        return punch_cards.member_cards(session, business_id=who.business_id, member_id=member.id)
