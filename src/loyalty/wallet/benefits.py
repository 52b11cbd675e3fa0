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
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db import later, scoped
from loyalty.db.clock import now
from loyalty.db.models import Asset, Benefit, Business, Member
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.i18n import N_, Speech
from loyalty.i18n.names import checked_names, names_out
from loyalty.money import currency_exponent, hundredths_to_points
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event

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
    """(name, kind, definition, valid_days) of a template body; InvalidInput naming the field otherwise.

    The engine's own parser decides what is valid, so a stored template is always one the discount engine reads.
    """
    try:
        parsed = engine.parse_benefit(data, currency_exponent=currency_exponent(business.currency))
    except engine.BenefitInvalid as error:
        raise InvalidInput(error.field or "body", error.message) from None
    if parsed.valid_days is not None and parsed.valid_days > MAX_VALID_DAYS:
        raise InvalidInput("valid_days", f"must be at most {MAX_VALID_DAYS}")
    canonical = engine.benefit_to_dict(parsed)
    definition = {key: value for key, value in canonical.items() if key not in ("name", "kind", "valid_days")}
    if not definition.get("conditions"):
        definition.pop("conditions", None)
    return parsed.name, parsed.kind, definition, parsed.valid_days


def create(session: Session, *, business: Business, data: Mapping[str, Any], at: datetime) -> Benefit:
    """A new template (`names`: its name per language); the caller audits."""
    names = checked_names(data.get("names"))
    name, kind, definition, valid_days = validate(business, {k: v for k, v in data.items() if k != "names"})
    benefit = Benefit(
        business_id=business.id,
        name=name,
        names=names,
        kind=kind,
        definition=definition,
        valid_days=valid_days,
        created_at=at,
    )
    session.add(benefit)
    session.flush()
    return benefit


def get(session: Session, *, business_id: uuid.UUID, benefit_id: uuid.UUID) -> Benefit:
    benefit = scoped.get(session, Benefit, benefit_id, business_id=business_id)
    if benefit is None or benefit.business_id != business_id:
        raise BenefitNotFound()
    return benefit


def templates(session: Session, *, business_id: uuid.UUID) -> list[Benefit]:
    query = select(Benefit).where(Benefit.business_id == business_id).order_by(Benefit.created_at, Benefit.id)
    return list(session.scalars(query))


# --- the wallet -----------------------------------------------------------------------------------


# Why an entry cannot be used, as data: a code, and the sentence (a msgid) with the day it names, if any.
REASONS: Final[dict[str, tuple[str, str]]] = {
    "already_used": (N_("already used"), N_("already used on {day}")),
    "deactivated": (N_("deactivated"), N_("deactivated")),
    "expired": (N_("expired"), N_("expired on {day}")),
    "not_yet_valid": (N_("not valid yet"), N_("not valid before {day}")),
}


@dataclass(frozen=True)
class Standing:
    """What an asset is worth right now: its shown status, whether it can be used, and why not: `reason_code`
    and the day it names (`reason_on`), said in a language by `reason_in`; `reason` is it in English, for the
    API's error messages."""

    status: str
    redeemable: bool
    reason: str | None
    reason_code: str | None = None
    reason_on: datetime | None = None


def _refused(status: str, code: str, on: datetime | None, timezone: str) -> Standing:
    bare, dated = REASONS[code]
    english = dated.format(day=on.astimezone(ZoneInfo(timezone)).date().isoformat()) if on else bare
    return Standing(status, False, english, code, on)


def standing(asset: Any, *, at: datetime, timezone: str) -> Standing:
    """`asset`: an Asset, or a row of its columns."""
    if asset.status == "redeemed":
        return _refused("redeemed", "already_used", asset.redeemed_at, timezone)
    if asset.status == "deactivated":
        return _refused("deactivated", "deactivated", None, timezone)
    if asset.status == "expired" or (asset.valid_until is not None and asset.valid_until <= at):
        return _refused("expired", "expired", asset.valid_until, timezone)
    if asset.valid_from > at:
        return _refused("active", "not_yet_valid", asset.valid_from, timezone)
    return Standing("active", True, None)


def reason_in(standing: Standing, speech: Speech, timezone: str) -> str | None:
    """Why the entry cannot be used, in `speech`'s language, its day in the locale's format."""
    if standing.reason_code is None:
        return standing.reason
    bare, dated = REASONS[standing.reason_code]
    if standing.reason_on is None:
        return speech.gettext(bare)
    return speech.tr(dated, day=speech.date(standing.reason_on, timezone))


@dataclass(frozen=True)
class WalletEntry:
    asset: Any  # an Asset, or a row of its columns
    benefit: Any  # its Benefit, or a row with its name, names and kind
    standing: Standing


def wallet(
    session: Session, *, business: Business, member_ids: Sequence[uuid.UUID], at: datetime
) -> dict[uuid.UUID, list[WalletEntry]]:
    """Each member's wallet, usable entries first, then the newest; one statement for a whole page of members,
    and for one member (a till's identify, a sale's quote) one read on the driver's cursor."""
    found: dict[uuid.UUID, list[WalletEntry]] = {member_id: [] for member_id in member_ids}
    if len(member_ids) == 1:
        rows = later.records(session, _WALLET, {"business": business.id, "member": member_ids[0]})
    elif member_ids:
        rows = list(session.execute(_WALLETS, {"business": business.id, "members": list(member_ids)}))
    else:
        return found
    for row in rows:  # one row carries the asset's columns and its benefit's name, names and kind
        found[row.member_id].append(WalletEntry(row, row, standing(row, at=at, timezone=business.timezone)))
    for entries in found.values():
        entries.sort(key=lambda entry: (entry.standing.status != "active", not entry.standing.redeemable))
    return found


# Built once: a till's identify reads one wallet each time.
_HELD = (
    select(*Asset.__table__.columns, Benefit.name, Benefit.names, Benefit.kind)
    .join(Benefit, (Benefit.business_id == Asset.business_id) & (Benefit.id == Asset.benefit_id))
    .order_by(Asset.granted_at.desc(), Asset.id.desc())
)
_WALLET = _HELD.where(Asset.business_id == bindparam("business"), Asset.member_id == bindparam("member"))
_WALLETS = _HELD.where(
    Asset.business_id == bindparam("business"), Asset.member_id.in_(bindparam("members", expanding=True))
)


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
    (asset,) = grant_many(
        session, business=business, member_id=member_id, benefit_id=benefit_id, source=source, at=at, count=1
    )
    return asset


def grant_many(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    benefit_id: uuid.UUID,
    source: str,
    at: datetime,
    count: int,
) -> list[Asset]:
    """`count` wallet entries of one benefit, checked once and inserted in one flush (a sale filling many punch
    cards at once holds the writer for as short a time as it can)."""
    benefit = get(session, business_id=business.id, benefit_id=benefit_id)
    if benefit.status != "active":
        raise Conflict("benefit_inactive", "This benefit is no longer handed out.", benefit_id=str(benefit_id))
    member = scoped.get(session, Member, member_id, business_id=business.id)
    if member is None or member.business_id != business.id:
        raise NotFound("member")
    # A sale dated by a till whose clock runs ahead must not give a benefit no other till can use yet.
    valid_from = min(at, now())
    assets = [
        Asset(
            business_id=business.id,
            member_id=member_id,
            benefit_id=benefit.id,
            status="active",
            source=source[:64],
            granted_at=at,
            valid_from=valid_from,
            valid_until=at + timedelta(days=benefit.valid_days) if benefit.valid_days else None,
        )
        for _ in range(count)
    ]
    session.add_all(assets)
    session.flush()
    for asset in assets:
        record_event(session, business.id, "benefit.granted", payloads.asset(asset))
    return assets


def asset(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, asset_id: uuid.UUID) -> Asset:
    found = scoped.get(session, Asset, asset_id, business_id=business_id)
    if found is None or found.business_id != business_id or found.member_id != member_id:
        raise AssetNotFound()
    return found


def _refresh(session: Session, asset_id: uuid.UUID, *, business_id: uuid.UUID) -> Asset:
    found = scoped.get(session, Asset, asset_id, business_id=business_id, populate_existing=True)
    assert found is not None
    return found


def deactivate(
    session: Session, *, business: Business, member_id: uuid.UUID, asset_id: uuid.UUID, at: datetime
) -> Asset:
    """Take an unused benefit out of use. Twice is a no-op; a used one stays used (409). The caller audits."""
    current = asset(session, business_id=business.id, member_id=member_id, asset_id=asset_id)
    result = session.execute(
        update(Asset)
        .where(Asset.business_id == business.id, Asset.id == asset_id, Asset.status.in_(("active", "expired")))
        .values(status="deactivated")
        .execution_options(synchronize_session=False)
    )
    current = _refresh(session, asset_id, business_id=business.id)
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
        record_event(
            session, business_id, "benefit.redeemed", payloads.redeemed(session, business_id, asset_id, purchase_id)
        )
        return _refresh(session, asset_id, business_id=business_id)
    found = scoped.get(session, Asset, asset_id, business_id=business_id)
    if found is None or found.business_id != business_id or found.member_id != member_id:
        raise BenefitNotRedeemable(asset_id, "it is not in this member's wallet")
    found = _refresh(session, asset_id, business_id=business_id)
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
    return _refresh(session, asset_id, business_id=business_id)


def outline(benefit: Benefit) -> dict[str, Any]:
    """The template as the API shows it: the body it was made from, plus id, status and created_at."""
    return {
        "id": str(benefit.id),
        "name": benefit.name,
        "names": names_out(benefit.names),
        "kind": benefit.kind,
        "discount": benefit.definition.get("discount"),
        "items": benefit.definition.get("items"),
        "max_units": benefit.definition.get("max_units"),
        "conditions": benefit.definition.get("conditions"),
        "valid_days": benefit.valid_days,
        "status": benefit.status,
        "created_at": benefit.created_at,
        "price_points": None if benefit.price_points is None else str(hundredths_to_points(benefit.price_points)),
    }
