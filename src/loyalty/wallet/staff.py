"""What staff do to a member's wallet from a door: correct the points (admin), grant a benefit (admin), take one
back (admin), and show the wallet (admin or till). Each opens its transaction and holds its guards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import InvalidInput
from loyalty.members import access, cards, reading
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import adjustments, benefits, shop
from loyalty.wallet.lots import book


@dataclass(frozen=True)
class Correction:
    id: str
    member_id: str
    points: str
    reason: str
    points_balance: str
    at: datetime


def correct(db: Database, who: Principal, member_id: uuid.UUID, points: str | int | Decimal, reason: str) -> Correction:
    """An admin's points correction: an `adjust` entry in the ledger, never below zero unless the business allows."""
    reading.kinds(who, "admin")

    def work(session: Session) -> Correction:
        business = access.business(session, who.business_id)
        done = adjustments.adjust(
            session, business=business, member_id=member_id, points=points, reason=reason, actor=who.actor
        )
        balance = book.balance_now(
            session, business_id=business.id, member_id=member_id, cached=done.member.points_balance, at=now()
        )
        return Correction(
            id=str(done.transaction.id),
            member_id=str(member_id),
            points=members.format_points(business, done.amount),
            reason=done.transaction.reason,
            points_balance=members.format_points(business, balance),
            at=done.transaction.created_at,
        )

    return db.write(work)


def wallet(db: Database, who: Principal, member_id: uuid.UUID) -> list[cards.AssetCard]:
    reading.kinds(who, "admin", "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        members.get(session, business_id=business.id, member_id=member_id)
        entries = benefits.wallet(session, business=business, member_ids=[member_id], at=now())[member_id]
        return [cards.asset_card(entry, business) for entry in entries]


def grant(db: Database, who: Principal, member_id: uuid.UUID, benefit_id: uuid.UUID) -> cards.AssetCard:
    """An admin puts a benefit in the member's wallet."""
    reading.kinds(who, "admin")

    def work(session: Session) -> cards.AssetCard:
        business = access.business(session, who.business_id)
        members.get(session, business_id=business.id, member_id=member_id)
        try:
            benefits.get(session, business_id=business.id, benefit_id=benefit_id)
        except benefits.BenefitNotFound:
            raise InvalidInput("benefit_id", "is not a benefit of this business") from None
        at = now()
        asset = benefits.grant(
            session, business=business, member_id=member_id, benefit_id=benefit_id, source="admin", at=at
        )
        details = {"member_id": str(member_id), "benefit_id": str(benefit_id)}
        record(session, business.id, actor=who.actor, action="benefit.grant", obj=asset, details=details)
        return cards.asset_cards(session, business, [asset], at)[0]

    return db.write(work)


def deactivate(db: Database, who: Principal, member_id: uuid.UUID, asset_id: uuid.UUID) -> cards.AssetCard:
    """An admin takes a wallet entry back; one bought in the shop and unused gives its points back."""
    reading.kinds(who, "admin")

    def work(session: Session) -> cards.AssetCard:
        business = access.business(session, who.business_id)
        at = now()
        before = benefits.asset(session, business_id=business.id, member_id=member_id, asset_id=asset_id).status
        asset = benefits.deactivate(session, business=business, member_id=member_id, asset_id=asset_id, at=at)
        if before != asset.status:  # a second deactivation changes nothing, so it leaves no record
            record(session, business.id, actor=who.actor, action="benefit.deactivate", obj=asset)
            shop.refund_if_bought(session, business=business, asset=asset, at=at)  # bought unused: points back
        return cards.asset_cards(session, business, [asset], at)[0]

    return db.write(work)
