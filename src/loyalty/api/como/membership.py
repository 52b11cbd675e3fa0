"""Who a Como call names, and the member as `getMemberDetails` answers: `membership`, its balances and assets."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.api.como import envelope, mapping, wallets
from loyalty.api.como.shapes import Customer, Purchase, moment
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import access, finding, tills
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.sale import purchases
from loyalty.wallet import benefits

# Rows (a business, a member) reach this package through the services; it never imports the models.
Business = Any
Member = Any

ASSET_STATUS = {"redeemed": "Redeemed", "expired": "Expired", "deactivated": "Deactivated"}

# --- who --------------------------------------------------------------------------------------------------


def ask(customer: Customer | None) -> finding.Ask:
    """The way the customer object names the member, in the order Como clients fill them."""
    if customer is None:
        raise InvalidInput("customer", "is required")
    if customer.appClientId:
        return finding.Ask("code", customer.appClientId)
    if customer.temporaryToken:
        return finding.Ask("qr", customer.temporaryToken)
    if customer.commonExtId:
        return finding.Ask("id", customer.commonExtId)
    return finding.Ask(*_contact(customer))


def _contact(customer: Customer) -> tuple[str, str]:
    if customer.customIdentifier and customer.customIdentifier.strip():
        return "member_number", customer.customIdentifier
    if customer.phoneNumber and customer.phoneNumber.strip():
        return "phone", customer.phoneNumber
    if customer.email and customer.email.strip():
        return "email", customer.email
    raise InvalidInput(
        "customer",
        "name the member by appClientId, temporaryToken, commonExtId, customIdentifier, phoneNumber or email",
    )


def now() -> datetime:
    return datetime.now(UTC)


def details(
    db: Database,
    who: Principal,
    till: tills.Till,
    member_id: uuid.UUID,
    *,
    purchase: Purchase | None = None,
    only_active: bool = False,
) -> dict[str, Any]:
    """The identified member's `membership`, read in one transaction; with a purchase, against that basket."""
    with db.read() as session:
        business = access.business(session, who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        basket = None
        if purchase is not None and member.status == "active":
            basket = mapping.sale(purchase, business=business, member_id=member.id, transaction_required=False)
        return membership(
            session, business=business, member=member, at=now(), only_active=only_active, basket=basket, till=till
        )


def membership(
    session: Session,
    *,
    business: Business,
    member: Member,
    at: datetime,
    only_active: bool = False,
    basket: purchases.Sale | None = None,
    till: tills.Till | None = None,
) -> dict[str, Any]:
    """`membership` as getMemberDetails answers it; with a basket, each asset says whether it applies to it."""
    points, credit = wallets.balances(session, business=business, member=member)
    found: dict[str, Any] = {
        "status": "Active" if member.status == "active" else "Inactive",
        "createdOn": moment(member.created_at),
        "commonExtId": str(member.id),
        "firstName": member.first_name,
        "lastName": member.last_name,
        "phoneNumber": member.phone,
        "allowSMS": member.consent_sms,
        "allowEmail": member.consent_email,
        "termsOfUse": member.consent_terms,
        "tags": list(member.tags or []),
        "pointsBalance": points,
        "creditBalance": credit,
        "assets": assets(
            session, business=business, member=member, at=at, only_active=only_active, basket=basket, till=till
        ),
    }
    if member.email:
        found["email"] = member.email
    if member.member_number:
        found["customIdentifier"] = member.member_number
    if member.birthday:
        found["birthday"] = member.birthday.isoformat()
    return found


def assets(
    session: Session,
    *,
    business: Business,
    member: Member,
    at: datetime,
    only_active: bool,
    basket: purchases.Sale | None,
    till: tills.Till | None,
) -> list[dict[str, Any]]:
    entries = benefits.wallet(session, business=business, member_ids=[member.id], at=at)[member.id]
    shown: list[dict[str, Any]] = []
    for entry in entries:
        status = _status(entry.standing, entry.asset.valid_from, at)
        if only_active and status != "Active":
            continue
        redeemable, reason = entry.standing.redeemable, entry.standing.reason
        if redeemable and basket is not None and till is not None:
            reason = _refusal_on(session, business=business, till=till, basket=basket, key=str(entry.asset.id), at=at)
            redeemable = reason is None
        asset: dict[str, Any] = {
            "key": str(entry.asset.id),
            "name": entry.benefit.name,
            "description": None,
            "image": None,
            "status": status,
            "validFrom": moment(entry.asset.valid_from),
            "redeemable": redeemable,
        }
        if entry.asset.valid_until is not None:
            asset["validUntil"] = moment(entry.asset.valid_until)
        if not redeemable:
            asset["nonRedeemableCause"] = {"code": envelope.NOT_REDEEMABLE, "message": reason or "cannot be used"}
        shown.append(asset)
    return shown


def _status(standing: benefits.Standing, valid_from: datetime, at: datetime) -> str:
    if standing.status == "active":
        return "Future" if valid_from > at else "Active"
    return ASSET_STATUS.get(standing.status, "Deactivated")


def _refusal_on(
    session: Session, *, business: Business, till: tills.Till, basket: purchases.Sale, key: str, at: datetime
) -> str | None:
    """Why this asset would not apply to the basket (None: it would), exactly as a quote decides it."""
    alone = purchases.Sale(
        transaction_id=basket.transaction_id,
        member_id=basket.member_id,
        lines=basket.lines,
        payments=basket.payments,
        benefits=(key,),
    )
    priced = purchases.price(
        session, business=business, terminal_id=till.terminal_id, branch_id=till.branch_id, sale=alone, at=at
    )
    return priced.rejected[0]["reason"] if priced.rejected else None


def birthday(raw: Any, field: str) -> date | None:
    """A Como registration date, dd.MM.yyyy."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InvalidInput(field, "must be a date as dd.MM.yyyy")
    try:
        return datetime.strptime(raw.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise InvalidInput(field, "must be a date as dd.MM.yyyy") from None
