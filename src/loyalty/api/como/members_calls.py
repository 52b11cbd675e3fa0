"""The Como calls about members: details, registration, changes, sent codes, events, and the key check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import JSONResponse

from loyalty.api.como import membership
from loyalty.api.como.caller import ANSWERS, Caller, KeyedRoute, caller
from loyalty.api.como.envelope import ok
from loyalty.api.como.shapes import (
    Customer,
    MemberDetailsIn,
    QuickRegistrationIn,
    RegisterMemberIn,
    SendCodeIn,
    SubmitEventIn,
    UpdateMemberIn,
)
from loyalty.campaigns import events
from loyalty.errors import InvalidInput
from loyalty.members import changing, joining, sent_codes, tills
from loyalty.messages import notify

router = APIRouter(route_class=KeyedRoute)


@router.post("/getMemberDetails", responses=ANSWERS)
def get_member_details(
    body: MemberDetailsIn,
    returnAssets: str | None = Query(default=None, max_length=20, description="`active`: only usable assets."),
    expand: str | None = Query(default=None, max_length=100),
    me: Caller = Depends(caller),
) -> JSONResponse:
    """Identify a member; with a `purchase`, say for each asset whether it is redeemable on that basket."""
    member_id = me.identify(body.the_customer())
    only_active = (returnAssets or "").lower() == "active"
    found = membership.details(me.db, me.principal, me.till, member_id, purchase=body.purchase, only_active=only_active)
    return ok(membership=found, memberNotes=[])


@router.post("/advanced/registration/quick", responses=ANSWERS)
@router.post("/registration/quick", include_in_schema=False)
def quick_registration(body: QuickRegistrationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Register at the till: a phone number or an e-mail address, optionally a name, a member number (`memberId`,
    `extClubMemberId`) and `registrationData`'s fields. The member is active."""
    customer = body.the_customer() or Customer()
    joined = joining.register(me.db, me.principal, _registration(customer, _camel(body.registrationData or {})))
    return ok(membership=membership.details(me.db, me.principal, me.till, joined.member_id))


@router.post("/advanced/registerMember", responses=ANSWERS)
@router.post("/registerMember", include_in_schema=False)
def register_member(body: RegisterMemberIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Full registration; `registrationData` keys in PascalCase (camelCase is read too)."""
    data = _camel(body.registrationData or {})
    joining.register(me.db, me.principal, _registration(body.the_customer() or Customer(), data, "registrationData."))
    return ok()


def _registration(customer: Customer, data: dict[str, Any], where: str = "customer.") -> joining.Registration:
    """A registration from the customer and `registrationData` (which wins): a phone or an e-mail address (or
    both), the member number, and the fields loyalty keeps as member attributes (gender, anniversary, generic*)."""
    phone = _text(data, "phoneNumber", "registrationData.PhoneNumber") or customer.phoneNumber
    email = _text(data, "email", "registrationData.Email") or customer.email
    if not (phone or "").strip() and not (email or "").strip():
        raise InvalidInput(f"{where}phoneNumber", "send the member's phoneNumber or email (or both)")
    number = (
        _text(data, "memberId", "registrationData.MemberId")
        or _text(data, "extClubMemberId", "registrationData.ExtClubMemberId")
        or customer.memberId
        or customer.extClubMemberId
    )
    return joining.Registration(
        phone=phone if (phone or "").strip() else None,
        first_name=_text(data, "firstName", "registrationData.FirstName") or customer.firstName or "",
        last_name=_text(data, "lastName", "registrationData.LastName") or customer.lastName or "",
        email=email if (email or "").strip() else None,
        birthday=membership.birthday(data.get("birthday"), "registrationData.Birthday"),
        member_number=number.strip() if number and number.strip() else None,
        consent=_consent(
            _flag(data, "termsOfUse", "registrationData.TermsOfUse") or customer.termsOfUse,
            _flag(data, "allowSMS", "registrationData.AllowSMS") or customer.allowSMS,
            _flag(data, "allowEmail", "registrationData.AllowEmail") or customer.allowEmail,
        ),
        attributes=membership.attributes_sent(data),
        tags=_tags(data.get("tags")),  # sent, not dropped: the service refuses them to a till's key
        source="como",
    )


def _tags(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == [] or raw == "":
        return ()
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list) or not all(isinstance(tag, str) for tag in raw):
        raise InvalidInput("registrationData.Tags", "must be a list of texts")
    return tuple(raw)


@router.post("/advanced/updateMember", responses=ANSWERS)
@router.post("/updateMember", include_in_schema=False)
def update_member(body: UpdateMemberIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Change what `registrationData` holds (camelCase, only the changed fields) for the member `customer` names.
    A till gives a member a phone or e-mail they lack (unproven), never changes one they have."""
    data = _camel(body.registrationData or {})
    changes: dict[str, Any] = {}
    for como, ours in (("phoneNumber", "phone"), ("firstName", "first_name"), ("lastName", "last_name")):
        if data.get(como) is not None:
            changes[ours] = _text(data, como, f"registrationData.{como}")
    if "email" in data:
        changes["email"] = _text(data, "email", "registrationData.email")
    if data.get("birthday") is not None:
        changes["birthday"] = membership.birthday(data["birthday"], "registrationData.birthday")
    consent = {
        ours: flag
        for como, ours in (("termsOfUse", "terms"), ("allowSMS", "sms"), ("allowEmail", "email"))
        if (flag := _flag(data, como, f"registrationData.{como}")) is not None
    }
    if consent:
        changes["consent"] = consent
    if attributes := membership.attributes_sent(data):
        changes["attributes"] = attributes  # merged with those held: an empty one removes it
    member_id = me.identify(body.the_customer())
    if changes:
        changing.change(me.db, me.principal, changing.Change(member_id, changes, source="como"))
    return ok()


@router.post("/advanced/sendIdentificationCode", responses=ANSWERS)
@router.post("/sendIdentificationCode", include_in_schema=False)
def send_identification_code(
    body: SendCodeIn, background: BackgroundTasks, me: Caller = Depends(caller)
) -> JSONResponse:
    """Send a one-time code to the member's phone or e-mail; it then works once as `appClientId`."""
    customer = body.the_customer()
    if customer is None or not ((customer.phoneNumber or "").strip() or (customer.email or "").strip()):
        raise InvalidInput("customer.phoneNumber", "send the member's phoneNumber or email")
    way, value = ("phone", customer.phoneNumber) if customer.phoneNumber else ("email", customer.email)
    message = sent_codes.send_to(me.db, me.principal, way, value or "")
    background.add_task(notify.deliver, me.notifier, message)
    return ok()


@router.post("/submitEvent", responses=ANSWERS)
def submit_event(body: SubmitEventIn, me: Caller = Depends(caller)) -> JSONResponse:
    """A custom event for the member (the `event` rules that name it fire), as `/v1/events`."""
    name = body.event_name()
    if not name or not name.strip():
        raise InvalidInput("event.type", "is required")
    member_id = me.identify(body.the_customer())
    events.record_event(me.db, me.principal, events.NewEvent(member_id, name))
    return ok()


@router.get("/apiKey", responses=ANSWERS)
def check_api_key(me: Caller = Depends(caller)) -> JSONResponse:
    """Check the key: the business and the branch (location) these headers name."""
    found = tills.location(me.db, me.principal, me.till)
    return ok(name=found.business_name, locationId=found.location_id, locationName=found.location_name)


# --- small readings of Como's registration fields -------------------------------------------------------


def _consent(terms: bool | None, sms: bool | None, email: bool | None) -> dict[str, bool]:
    given = {"terms": terms, "sms": sms, "email": email}
    return {name: flag for name, flag in given.items() if flag is not None}


def _camel(data: dict[str, Any]) -> dict[str, Any]:
    """PascalCase keys (registerMember) read as camelCase (updateMember): `PhoneNumber` → `phoneNumber`."""
    return {key[:1].lower() + key[1:]: value for key, value in data.items() if isinstance(key, str) and key}


def _text(data: dict[str, Any], key: str, field: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > 254:
        raise InvalidInput(field, "must be a text of at most 254 characters")
    return value


def _flag(data: dict[str, Any], key: str, field: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidInput(field, "must be true or false")
    return value
