"""What each event's `data` holds, made from the rows and answers the services already have.

Points and money are decimal strings as in the API; ids are strings; times RFC 3339."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.models import Asset, Business, CreditLoad, Member, PointsLot
from loyalty.money import currency_exponent, from_minor, hundredths_to_points
from loyalty.webhooks.outbox import record_event


def member(row: Member, *, changed: Iterable[str] = ()) -> dict[str, Any]:
    data = {
        "member_id": str(row.id),
        "status": row.status,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "phone": row.phone,
        "email": row.email,
        "member_number": row.member_number,
        "tags": list(row.tags or []),
        "consent": {"terms": row.consent_terms, "sms": row.consent_sms, "email": row.consent_email},
        "tier": row.tier,
    }
    if changed:
        data["changed"] = sorted(changed)
    return data


_PURCHASE_FIELDS = (
    "id",
    "transaction_id",
    "member_id",
    "subtotal",
    "total",
    "discount_total",
    "points_earned",
    "points_balance",
    "credit_paid",
    "created_at",
)


def purchase(answer: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: answer.get(name) for name in _PURCHASE_FIELDS}
    data["purchase_id"] = data.pop("id")
    data["points_spent"] = answer.get("points_paid")
    return data


def reversal(purchase_id: uuid.UUID, member_id: uuid.UUID | None, answer: Mapping[str, Any]) -> dict[str, Any]:
    return {"purchase_id": str(purchase_id), "member_id": str(member_id) if member_id else None} | {
        name: answer.get(name)
        for name in ("return_id", "points_taken_back", "points_not_recovered", "points_balance")
        if name in answer
    }


def asset(row: Asset) -> dict[str, Any]:
    return {
        "asset_id": str(row.id),
        "benefit_id": str(row.benefit_id),
        "member_id": str(row.member_id),
        "status": row.status,
        "source": row.source,
        "valid_until": row.valid_until.isoformat() if row.valid_until else None,
    }


def tier(row: Member, reached: str) -> dict[str, Any]:
    """Called before the member's tier is changed to `reached`."""
    return {"member_id": str(row.id), "tier": reached, "previous": row.tier}


def redeemed(
    session: Session, business_id: uuid.UUID, asset_id: uuid.UUID, purchase_id: uuid.UUID | None
) -> dict[str, Any]:
    mine = (Asset.business_id == business_id, Asset.id == asset_id)
    benefit_id, member_id = session.execute(select(Asset.benefit_id, Asset.member_id).where(*mine)).one()
    return {
        "asset_id": str(asset_id),
        "benefit_id": str(benefit_id),
        "member_id": str(member_id),
        "status": "redeemed",
        "purchase_id": str(purchase_id) if purchase_id else None,
    }


def credit(business: Business, load: CreditLoad) -> dict[str, Any]:
    exponent = currency_exponent(business.currency)
    return {
        "member_id": str(load.member_id),
        "top_up_id": str(load.id),
        "amount": str(from_minor(load.amount_minor, exponent)),
        "bonus": str(from_minor(load.bonus_minor, exponent)),
    }


def points_expired(session: Session, business: Business, lots: Iterable[PointsLot]) -> None:
    """One `points.expired` per member, before the lots are expired (while `remaining` still says how much)."""
    by_member: dict[uuid.UUID, int] = {}
    for lot in lots:
        by_member[lot.member_id] = by_member.get(lot.member_id, 0) + lot.remaining
    for member_id, hundredths in by_member.items():
        if hundredths > 0:
            points = str(hundredths_to_points(hundredths))
            record_event(session, business.id, "points.expired", {"member_id": str(member_id), "points": points})
