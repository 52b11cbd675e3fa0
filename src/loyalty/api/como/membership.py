"""Who a Como call names, and the member as `getMemberDetails` answers: `membership`, its balances and assets."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from loyalty.api.como import envelope, mapping, wallets
from loyalty.api.como.shapes import Customer, Purchase, moment
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import cards, finding, holdings, tills
from loyalty.members.access import Principal
from loyalty.sale import purchases

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


def details(
    db: Database,
    who: Principal,
    till: tills.Till,
    member_id: uuid.UUID,
    *,
    purchase: Purchase | None = None,
    only_active: bool = False,
) -> dict[str, Any]:
    """The identified member's `membership`; with a purchase, each asset says whether it applies to that basket."""

    def basket(business: Business, member: Member) -> purchases.Sale:
        return mapping.sale(purchase, business=business, member_id=member.id, transaction_required=False)

    found = holdings.holding(db, who, till, member_id, basket=basket if purchase is not None else None)
    return membership(found, who, only_active=only_active)


def membership(found: holdings.Holding, who: Principal, *, only_active: bool = False) -> dict[str, Any]:
    """`membership` as getMemberDetails answers it; the phone and e-mail masked for a till, as /v1 shows them."""
    business, member = found.business, found.member
    phone, email = cards.contacts_seen(member, who)
    wallet = business.payment_wallet
    shown: dict[str, Any] = {
        "status": "Active" if member.status == "active" else "Inactive",
        "createdOn": moment(member.created_at),
        "commonExtId": str(member.id),
        "firstName": member.first_name,
        "lastName": member.last_name,
        "phoneNumber": phone,
        "allowSMS": member.consent_sms,
        "allowEmail": member.consent_email,
        "termsOfUse": member.consent_terms,
        "tags": list(member.tags or []),
        "pointsBalance": {
            "usedByPayment": wallet == "points",
            "balance": wallets.points_balance(business, found.spendable),
        },
        "creditBalance": {
            "usedByPayment": wallet == "credit",
            "balance": wallets.credit_balance(member.credit_balance),
        },
        "assets": assets(found, only_active=only_active),
    }
    if email:
        shown["email"] = email
    if member.member_number:
        shown["customIdentifier"] = member.member_number
    if member.birthday:
        shown["birthday"] = member.birthday.isoformat()
    # What the till's registration sent beyond loyalty's fields, under the names it was sent by.
    for name, value in (member.attributes or {}).items():
        shown.setdefault(name, value)
    return shown


def assets(found: holdings.Holding, *, only_active: bool) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    for held in found.wallet:
        status = _status(held.status, held.valid_from, found.at)
        if only_active and status != "Active":
            continue
        asset: dict[str, Any] = {
            "key": held.key,
            "name": held.name,
            "description": None,
            "image": None,
            "status": status,
            "validFrom": moment(held.valid_from),
            "redeemable": held.redeemable,
        }
        if held.valid_until is not None:
            asset["validUntil"] = moment(held.valid_until)
        if not held.redeemable:
            asset["nonRedeemableCause"] = {"code": envelope.NOT_REDEEMABLE, "message": held.reason or "cannot be used"}
        shown.append(asset)
    return shown


def _status(standing: str, valid_from: datetime, at: datetime) -> str:
    if standing == "active":
        return "Future" if valid_from > at else "Active"
    return ASSET_STATUS.get(standing, "Deactivated")


def attributes_sent(data: dict[str, Any]) -> dict[str, Any]:
    """`gender`, `anniversary` (a Como date, kept as YYYY-MM-DD) and the `generic*` fields of `registrationData`."""
    sent = {
        name: value for name, value in data.items() if name in ("gender", "anniversary") or name.startswith("generic")
    }
    if sent.get("anniversary") not in (None, ""):
        day = birthday(sent["anniversary"], "registrationData.Anniversary")
        sent["anniversary"] = day.isoformat() if day else None
    return sent


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
