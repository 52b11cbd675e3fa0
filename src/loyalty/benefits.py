"""Benefit templates and the members' wallets.

A benefit is a template ("10% off coffee, at most 20.00, valid 30 days"); an asset is one benefit in one member's
wallet. An asset is spent with a guarded `UPDATE ... WHERE status = 'active'` whose row count decides, so two
tills racing for the same asset get exactly one success (reliability promise I5).

The stored `definition` is the template's JSON as the API takes it (`discount`, `items`, `conditions`,
`max_units`), with amounts as canonical decimal strings, so the discount engine reads the same words as the admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from loyalty.db.models import Asset, Benefit, Business, Member
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.money import currency_exponent
from loyalty.rules import fields
from loyalty.rules.fields import FieldInvalid

KINDS = ("discount", "free_item")
STATUSES = ("active", "redeemed", "expired", "deactivated")
MAX_VALID_DAYS = 36_600


class BenefitNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("benefit")


class AssetNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("asset")


class BenefitNotRedeemable(Conflict):
    """The asset cannot be spent now; `reason` says why in a sentence a cashier can read out."""

    def __init__(self, asset_id: uuid.UUID, reason: str) -> None:
        super().__init__("benefit_not_redeemable", f"This benefit cannot be used: {reason}.", asset_id=str(asset_id))
        self.asset_id = asset_id
        self.reason = reason


# --- templates ------------------------------------------------------------------------------------


def validate(business: Business, data: Mapping[str, Any]) -> tuple[str, str, dict[str, Any], int | None]:
    """(name, kind, definition, valid_days) of a template body; InvalidInput naming the field otherwise."""
    try:
        return _validate(business, data)
    except FieldInvalid as error:
        raise InvalidInput(error.field, error.message) from None


def _validate(business: Business, data: Mapping[str, Any]) -> tuple[str, str, dict[str, Any], int | None]:
    exponent = currency_exponent(business.currency)
    name = fields.text_field(data.get("name"), "name")
    kind = data.get("kind")
    if kind not in KINDS:
        raise FieldInvalid("kind", f"must be one of {', '.join(KINDS)}")
    definition: dict[str, Any] = {}
    discount = data.get("discount")
    if kind == "discount":
        if discount is None:
            raise FieldInvalid("discount", 'is required: {"percent": "10", "max": "20.00"} or {"amount": "5.00"}')
        definition["discount"] = _discount(discount, exponent)
        if data.get("max_units") is not None:
            raise FieldInvalid("max_units", "belongs to a free_item benefit")
    else:
        if discount is not None:
            raise FieldInvalid("discount", "belongs to a discount benefit")
        if data.get("items") is None:
            raise FieldInvalid("items", "is required: which items are free")
        raw_units = data.get("max_units")
        definition["max_units"] = (
            1 if raw_units is None else fields.positive_int_field(raw_units, "max_units", "a whole number, 1 or more")
        )
    if data.get("items") is not None:
        selector = fields.selector_field(data["items"], "items")
        definition["items"] = {
            key: sorted(getattr(selector, key)) for key in fields.SELECTOR_KEYS if getattr(selector, key)
        }
    conditions = data.get("conditions")
    if conditions is not None:
        conditions = fields.object_field(conditions, "conditions")
        fields.no_unknown_fields(conditions, ("min_spend",), "conditions", "a benefit's conditions")
        if conditions.get("min_spend") is not None:
            spend = fields.amount_field(
                conditions["min_spend"], "conditions.min_spend", exponent=exponent, positive=False
            )
            definition["conditions"] = {"min_spend": str(spend)}
    valid_days = data.get("valid_days")
    if valid_days is not None:
        valid_days = fields.positive_int_field(valid_days, "valid_days", "a whole number of days, 1 or more")
        if valid_days > MAX_VALID_DAYS:
            raise FieldInvalid("valid_days", f"must be at most {MAX_VALID_DAYS}")
    return name, str(kind), definition, valid_days


def _discount(raw: object, exponent: int) -> dict[str, str]:
    data = fields.object_field(raw, "discount")
    fields.no_unknown_fields(data, ("percent", "max", "amount"), "discount", "a discount")
    if data.get("percent") is not None and data.get("amount") is not None:
        raise FieldInvalid("discount", "takes either percent (with an optional max) or amount, not both")
    if data.get("amount") is not None:
        if data.get("max") is not None:
            raise FieldInvalid("discount.max", "goes with percent, not with a fixed amount")
        return {"amount": str(fields.amount_field(data["amount"], "discount.amount", exponent=exponent, positive=True))}
    if data.get("percent") is None:
        raise FieldInvalid("discount", 'needs percent ({"percent": "10"}) or amount ({"amount": "5.00"})')
    percent = fields.quantity_field(
        data["percent"], "discount.percent", positive=True, expected='a percentage more than 0, like "10"'
    )
    if percent > 100:
        raise FieldInvalid("discount.percent", "must be at most 100")
    out = {"percent": fields.plain(percent)}
    if data.get("max") is not None:
        out["max"] = str(fields.amount_field(data["max"], "discount.max", exponent=exponent, positive=True))
    return out


def create(session: Session, *, business: Business, data: Mapping[str, Any], at: datetime) -> Benefit:
    """A new template; the caller audits."""
    name, kind, definition, valid_days = validate(business, data)
    benefit = Benefit(
        business_id=business.id, name=name, kind=kind, definition=definition, valid_days=valid_days, created_at=at
    )
    session.add(benefit)
    session.flush()
    return benefit


def get(session: Session, *, business_id: uuid.UUID, benefit_id: uuid.UUID) -> Benefit:
    benefit = session.get(Benefit, benefit_id)
    if benefit is None or benefit.business_id != business_id:
        raise BenefitNotFound()
    return benefit


def templates(session: Session, *, business_id: uuid.UUID) -> list[Benefit]:
    query = select(Benefit).where(Benefit.business_id == business_id).order_by(Benefit.created_at, Benefit.id)
    return list(session.scalars(query))


# --- the wallet -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What an asset is worth right now: its shown status, whether it can be used, and why not."""

    status: str
    redeemable: bool
    reason: str | None


def standing(asset: Asset, *, at: datetime, timezone: str) -> Standing:
    zone = ZoneInfo(timezone)

    def day(moment: datetime) -> str:
        return moment.astimezone(zone).date().isoformat()

    if asset.status == "redeemed":
        when = f" on {day(asset.redeemed_at)}" if asset.redeemed_at else ""
        return Standing("redeemed", False, f"already used{when}")
    if asset.status == "deactivated":
        return Standing("deactivated", False, "deactivated")
    if asset.status == "expired" or (asset.valid_until is not None and asset.valid_until <= at):
        when = f" on {day(asset.valid_until)}" if asset.valid_until else ""
        return Standing("expired", False, f"expired{when}")
    if asset.valid_from > at:
        return Standing("active", False, f"not valid before {day(asset.valid_from)}")
    return Standing("active", True, None)


@dataclass(frozen=True)
class WalletEntry:
    asset: Asset
    benefit: Benefit
    standing: Standing


def wallet(
    session: Session, *, business: Business, member_ids: Sequence[uuid.UUID], at: datetime
) -> dict[uuid.UUID, list[WalletEntry]]:
    """Each member's wallet, usable entries first, then the newest; one query for a whole page of members."""
    found: dict[uuid.UUID, list[WalletEntry]] = {member_id: [] for member_id in member_ids}
    if not member_ids:
        return found
    rows = session.execute(
        select(Asset, Benefit)
        .join(Benefit, Benefit.id == Asset.benefit_id)
        .where(Asset.business_id == business.id, Asset.member_id.in_(list(member_ids)))
        .order_by(Asset.granted_at.desc(), Asset.id.desc())
    )
    for asset, benefit in rows:
        found[asset.member_id].append(WalletEntry(asset, benefit, standing(asset, at=at, timezone=business.timezone)))
    for entries in found.values():
        entries.sort(key=lambda entry: (entry.standing.status != "active", not entry.standing.redeemable))
    return found


def grant(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    benefit_id: uuid.UUID,
    source: str,
    at: datetime,
) -> Asset:
    """Put a benefit in a member's wallet, valid from `at` for the template's `valid_days`.

    `source` says where it came from: "admin", "rule:<id>@<revision>", "code:<id>". The caller audits.
    """
    benefit = get(session, business_id=business.id, benefit_id=benefit_id)
    if benefit.status != "active":
        raise Conflict("benefit_inactive", "This benefit is no longer handed out.", benefit_id=str(benefit_id))
    member = session.get(Member, member_id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    asset = Asset(
        business_id=business.id,
        member_id=member_id,
        benefit_id=benefit.id,
        status="active",
        source=source[:64],
        granted_at=at,
        valid_from=at,
        valid_until=at + timedelta(days=benefit.valid_days) if benefit.valid_days else None,
    )
    session.add(asset)
    session.flush()
    return asset


def asset(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, asset_id: uuid.UUID) -> Asset:
    found = session.get(Asset, asset_id)
    if found is None or found.business_id != business_id or found.member_id != member_id:
        raise AssetNotFound()
    return found


def _refresh(session: Session, asset_id: uuid.UUID) -> Asset:
    found = session.scalar(select(Asset).where(Asset.id == asset_id).execution_options(populate_existing=True))
    assert found is not None
    return found


def deactivate(
    session: Session, *, business: Business, member_id: uuid.UUID, asset_id: uuid.UUID, at: datetime
) -> Asset:
    """Take an unused benefit out of use. Twice is a no-op; a used one stays used (409). The caller audits."""
    current = asset(session, business_id=business.id, member_id=member_id, asset_id=asset_id)
    result = session.execute(
        update(Asset)
        .where(Asset.id == asset_id, Asset.status.in_(("active", "expired")))
        .values(status="deactivated")
        .execution_options(synchronize_session=False)
    )
    current = _refresh(session, asset_id)
    if result.rowcount != 1 and current.status != "deactivated":  # type: ignore[attr-defined]
        reason = standing(current, at=at, timezone=business.timezone).reason or current.status
        raise BenefitNotRedeemable(asset_id, reason)
    return current


def redeem(
    session: Session,
    *,
    business_id: uuid.UUID,
    member_id: uuid.UUID,
    asset_id: uuid.UUID,
    purchase_id: uuid.UUID | None,
    at: datetime,
) -> Asset:
    """Spend an asset for a purchase. Exactly one of any number of concurrent calls succeeds.

    Raises BenefitNotRedeemable (409 `benefit_not_redeemable`, with `.reason`) when it is not this member's,
    already used, deactivated, expired or not yet valid. Only flushes: the purchase commits.
    """
    result = session.execute(
        update(Asset)
        .where(
            Asset.id == asset_id,
            Asset.business_id == business_id,
            Asset.member_id == member_id,
            Asset.status == "active",
            Asset.valid_from <= at,
            or_(Asset.valid_until.is_(None), Asset.valid_until > at),
        )
        .values(status="redeemed", redeemed_at=at, redeemed_purchase_id=purchase_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return _refresh(session, asset_id)
    found = session.get(Asset, asset_id)
    if found is None or found.business_id != business_id or found.member_id != member_id:
        raise BenefitNotRedeemable(asset_id, "it is not in this member's wallet")
    found = _refresh(session, asset_id)
    business = session.get(Business, business_id)
    timezone = business.timezone if business else "UTC"
    raise BenefitNotRedeemable(asset_id, standing(found, at=at, timezone=timezone).reason or "not usable")


def restore(
    session: Session, *, business_id: uuid.UUID, asset_id: uuid.UUID, purchase_id: uuid.UUID, at: datetime
) -> Asset | None:
    """Undo `redeem` for a cancelled purchase: back to active if still valid, else expired.

    Only an asset redeemed by that very purchase is touched, so a second cancel is a no-op (returns None).
    """
    still_valid = or_(Asset.valid_until.is_(None), Asset.valid_until > at)
    result = session.execute(
        update(Asset)
        .where(
            Asset.id == asset_id,
            Asset.business_id == business_id,
            Asset.status == "redeemed",
            Asset.redeemed_purchase_id == purchase_id,
        )
        .values(
            status=case((still_valid, "active"), else_="expired"),
            redeemed_at=None,
            redeemed_purchase_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _refresh(session, asset_id)


def outline(benefit: Benefit) -> dict[str, Any]:
    """The template as the API shows it: the body it was made from, plus id, status and created_at."""
    return {
        "id": str(benefit.id),
        "name": benefit.name,
        "kind": benefit.kind,
        "discount": benefit.definition.get("discount"),
        "items": benefit.definition.get("items"),
        "max_units": benefit.definition.get("max_units"),
        "conditions": benefit.definition.get("conditions"),
        "valid_days": benefit.valid_days,
        "status": benefit.status,
        "created_at": benefit.created_at,
    }
