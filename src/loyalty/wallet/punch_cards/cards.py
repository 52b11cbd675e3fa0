"""Punch cards as the business defines them: validated by the engine, stored, listed, and the active ones
read once per rules version."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.audit import record
from loyalty.db import programme, scoped
from loyalty.db.models import Business, PunchCard
from loyalty.errors import InvalidInput, NotFound
from loyalty.i18n.names import checked_names, names_out, translations_of
from loyalty.wallet import benefits


class PunchCardNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("punch card")


def _validate(session: Session, business: Business, data: Mapping[str, Any], card_id: str | None) -> engine.PunchCard:
    try:
        parsed = engine.parse_punch_card({k: v for k, v in data.items() if k != "names"}, id=card_id)
    except engine.PunchCardInvalid as error:
        raise InvalidInput(error.field or "body", error.message) from None
    try:
        reward_id = uuid.UUID(parsed.reward_benefit_id)
        benefits.get(session, business_id=business.id, benefit_id=reward_id)
    except (ValueError, benefits.BenefitNotFound):
        raise InvalidInput("reward_benefit_id", "names no benefit of this business") from None
    return parsed


def create(session: Session, *, business: Business, data: Mapping[str, Any], actor: str, at: datetime) -> PunchCard:
    parsed = _validate(session, business, data, None)
    card = PunchCard(
        business_id=business.id,
        name=parsed.name,
        names=checked_names(data.get("names")),
        definition=engine.punch_card_to_dict(parsed),
        reward_benefit_id=uuid.UUID(parsed.reward_benefit_id),
        status=parsed.status,
        created_at=at,
        updated_at=at,
    )
    session.add(card)
    session.flush()
    programme.changed(session, business)
    record(session, business.id, actor=actor, action="punch_card.create", obj=card)
    return card


def replace(
    session: Session, *, business: Business, card_id: uuid.UUID, data: Mapping[str, Any], actor: str, at: datetime
) -> PunchCard:
    """A new definition for a card; members keep their punches (a smaller `punches_required` fills at the next
    punch). `names` left out keeps the translations; null clears them."""
    card = get(session, business_id=business.id, card_id=card_id)
    parsed = _validate(session, business, data, str(card.id))
    if "names" in data:
        card.names = checked_names(data["names"])
    card.name = parsed.name
    card.definition = engine.punch_card_to_dict(parsed)
    card.reward_benefit_id = uuid.UUID(parsed.reward_benefit_id)
    card.status = parsed.status
    card.updated_at = at
    programme.changed(session, business)
    record(session, business.id, actor=actor, action="punch_card.update", obj=card)
    return card


def get(session: Session, *, business_id: uuid.UUID, card_id: uuid.UUID) -> PunchCard:
    card = scoped.get(session, PunchCard, card_id, business_id=business_id)
    if card is None or card.business_id != business_id:
        raise PunchCardNotFound()
    return card


def listing(session: Session, *, business_id: uuid.UUID) -> list[PunchCard]:
    query = select(PunchCard).where(PunchCard.business_id == business_id)
    return list(session.scalars(query.order_by(PunchCard.created_at, PunchCard.id)))


def template(card: PunchCard) -> engine.PunchCard:
    parsed = engine.parse_punch_card(card.definition, id=str(card.id))
    return dataclasses.replace(parsed, names=translations_of(card.names))


def outline(card: PunchCard) -> dict[str, Any]:
    return {
        "id": str(card.id),
        **card.definition,
        "names": names_out(card.names),
        "created_at": card.created_at,
        "updated_at": card.updated_at,
    }


def active(session: Session, *, business_id: uuid.UUID) -> list[engine.PunchCard]:
    query = select(PunchCard).where(PunchCard.business_id == business_id, PunchCard.status == "active")
    return [template(card) for card in session.scalars(query.order_by(PunchCard.id))]


# Active cards per business and rules version: most businesses have none, and a sale need not ask each time.
_active_cache: dict[uuid.UUID, tuple[int, tuple[engine.PunchCard, ...]]] = {}


def active_for(session: Session, *, business: Business) -> list[engine.PunchCard]:
    """The business's active cards, as `active`, read again only after a card or rule changed."""
    found: tuple[engine.PunchCard, ...] = programme.cached_for(
        _active_cache, session, business, lambda: tuple(active(session, business_id=business.id))
    )
    return list(found)
