"""`/api/v4/…`: Como's POS API, call by call. Each call identifies (its own transaction, so a failed attempt is
counted even when the call is refused), then does its work in one transaction committed before the answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session

from loyalty import (
    access,
    events,
    identification,
    members,
    notify,
    payment_policy,
    purchases,
    reversals,
    tickets,
    tills,
)
from loyalty.access import KeyKindRefused, Principal
from loyalty.api.como import envelope, mapping, wallets
from loyalty.api.como.envelope import ComoError, ComoRoute, ok
from loyalty.api.como.shapes import (
    Answer,
    BenefitsIn,
    BudgetPaymentIn,
    ConfirmationIn,
    Customer,
    MemberDetailsIn,
    QuickRegistrationIn,
    RegisterMemberIn,
    SendCodeIn,
    SubmitEventIn,
    SubmitPurchaseIn,
    UpdateMemberIn,
    VoidPurchaseIn,
)
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput, NotFound
from loyalty.settings import Settings

TAG = "Como POS API v4"
TAG_METADATA = {
    "name": TAG,
    "description": "Como's POS API v4 for tills that already speak it: base URL `/api/v4/`, a pos key in `X-Api-Key`, "
    '`X-Branch-Id` and `X-Pos-Id` naming the till. Business errors are HTTP 200 with `status: "error"` and string '
    "codes; amounts are integer cents. See docs/como-compatibility.md.",
}
router = APIRouter(prefix="/api/v4", tags=[TAG], route_class=ComoRoute)
api_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="A loyalty pos key.")

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Answer, "description": '`status: "ok"` with the call\'s keys, or `status: "error"` with `errors`.'},
    401: {"model": Answer, "description": "Missing or unknown X-Api-Key (code 401)."},
}


@dataclass(frozen=True)
class Caller:
    who: Principal
    till: tills.Till
    db: Database
    settings: Settings
    notifier: notify.Notifier

    @property
    def actor(self) -> str:
        return self.who.actor

    def identify(self, customer: Customer | None) -> uuid.UUID:
        """The member the customer names; the attempt is committed before a refusal, for the limits to count it."""

        def work(session: Session) -> uuid.UUID | None:
            business = access.business(session, self.who.business_id)
            return mapping.identify(
                session, business=business, till=self.till, customer=customer, settings=self.settings, at=now()
            )

        found = self.db.write(work)
        if found is None:
            raise members.MemberNotFound()
        return found


def now() -> datetime:
    return datetime.now(UTC)


def caller(
    request: Request,
    key: str | None = Security(api_key),
    branch: str | None = Header(default=None, alias="X-Branch-Id", description="The POS's own branch id."),
    pos: str | None = Header(default=None, alias="X-Pos-Id", description="The POS's own terminal id."),
) -> Caller:
    db: Database = request.app.state.db
    with db.read() as session:
        who = access.authenticate(session, key)
    if who.kind != "pos" or who.terminal_id is None or who.branch_id is None:
        raise KeyKindRefused("a pos key is required")
    default = tills.Till(who.branch_id, who.terminal_id)
    with db.read() as session:
        till = tills.resolve(
            session,
            business_id=who.business_id,
            default=default,
            branch_external_id=branch,
            terminal_external_id=pos,
            at=now(),
            create=False,
        )
    if till is None:

        def make(session: Session) -> tills.Till | None:
            return tills.resolve(
                session,
                business_id=who.business_id,
                default=default,
                branch_external_id=branch,
                terminal_external_id=pos,
                at=now(),
            )

        till = db.write(make)
    assert till is not None
    return Caller(who, till, db, request.app.state.settings, request.app.state.notifier)


# --- members ------------------------------------------------------------------------------------------


@router.post("/getMemberDetails", responses=ANSWERS)
def get_member_details(
    body: MemberDetailsIn,
    returnAssets: str | None = Query(default=None, max_length=20, description="`active`: only usable assets."),
    expand: str | None = Query(default=None, max_length=100),
    me: Caller = Depends(caller),
) -> JSONResponse:
    """Identify a member; with a `purchase`, say for each asset whether it is redeemable on that basket."""
    member_id = me.identify(body.the_customer())

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, me.who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        basket = None
        if body.purchase is not None:
            basket = mapping.sale(body.purchase, business=business, member_id=member.id, transaction_required=False)
        return mapping.membership(
            session,
            business=business,
            member=member,
            at=now(),
            only_active=(returnAssets or "").lower() == "active",
            basket=basket if member.status == "active" else None,
            till=me.till,
        )

    return ok(membership=me.db.write(work), memberNotes=[])


@router.post("/getBenefits", responses=ANSWERS)
def get_benefits(
    body: BenefitsIn, expand: str | None = Query(default=None, max_length=100), me: Caller = Depends(caller)
) -> JSONResponse:
    """Quote the asked assets and codes on the basket: discounts per line, exactly as a `/v1` quote gives them."""
    customer = body.the_customer()
    member_id = me.identify(customer) if customer is not None else None

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, me.who.business_id)
        sale = mapping.sale(
            body.purchase, business=business, member_id=member_id, assets=body.redeemAssets, transaction_required=False
        )
        priced = purchases.price(
            session,
            business=business,
            terminal_id=me.till.terminal_id,
            branch_id=me.till.branch_id,
            sale=sale,
            at=now(),
        )
        return mapping.benefits_answer(
            session, business=business, priced=priced, asked=body.redeemAssets or [], at=now()
        )

    return ok(**me.db.write(work))


@router.post("/advanced/registration/quick", responses=ANSWERS)
@router.post("/registration/quick", include_in_schema=False)
def quick_registration(body: QuickRegistrationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Register at the till: a phone number, optionally a name and an e-mail address. The member is active."""
    customer = body.the_customer()
    if customer is None or not (customer.phoneNumber or "").strip():
        raise InvalidInput("customer.phoneNumber", "is required")

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, me.who.business_id)
        member = members.register(
            session,
            business=business,
            phone=customer.phoneNumber or "",
            first_name=customer.firstName or "",
            last_name=customer.lastName or "",
            email=customer.email,
            consent=_consent(customer.termsOfUse, customer.allowSMS, customer.allowEmail),
            actor=me.actor,
            at=now(),
        )
        return mapping.membership(session, business=business, member=member, at=now())

    return ok(membership=me.db.write(work))


@router.post("/advanced/registerMember", responses=ANSWERS)
def register_member(body: RegisterMemberIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Full registration; `registrationData` keys in PascalCase (camelCase is read too)."""
    data = _camel(body.registrationData or {})
    customer = body.the_customer() or Customer()
    phone = _text(data, "phoneNumber", "registrationData.PhoneNumber") or customer.phoneNumber
    if not phone or not phone.strip():
        raise InvalidInput("registrationData.PhoneNumber", "is required")

    def work(session: Session) -> None:
        business = access.business(session, me.who.business_id)
        members.register(
            session,
            business=business,
            phone=phone,
            first_name=_text(data, "firstName", "registrationData.FirstName") or customer.firstName or "",
            last_name=_text(data, "lastName", "registrationData.LastName") or customer.lastName or "",
            email=_text(data, "email", "registrationData.Email") or customer.email,
            birthday=mapping.birthday(data.get("birthday"), "registrationData.Birthday"),
            consent=_consent(
                _flag(data, "termsOfUse", "registrationData.TermsOfUse"),
                _flag(data, "allowSMS", "registrationData.AllowSMS"),
                _flag(data, "allowEmail", "registrationData.AllowEmail"),
            ),
            actor=me.actor,
            at=now(),
        )

    me.db.write(work)
    return ok()


@router.post("/advanced/updateMember", responses=ANSWERS)
def update_member(body: UpdateMemberIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Change what `registrationData` holds (camelCase, only the changed fields) for the member `customer` names."""
    data = _camel(body.registrationData or {})
    changes: dict[str, Any] = {}
    for como, ours in (("phoneNumber", "phone"), ("firstName", "first_name"), ("lastName", "last_name")):
        if data.get(como) is not None:
            changes[ours] = _text(data, como, f"registrationData.{como}")
    if "email" in data:
        changes["email"] = _text(data, "email", "registrationData.email")
    if data.get("birthday") is not None:
        changes["birthday"] = mapping.birthday(data["birthday"], "registrationData.birthday")
    consent = {
        ours: flag
        for como, ours in (("termsOfUse", "terms"), ("allowSMS", "sms"), ("allowEmail", "email"))
        if (flag := _flag(data, como, f"registrationData.{como}")) is not None
    }
    if consent:
        changes["consent"] = consent
    member_id = me.identify(body.the_customer())

    def work(session: Session) -> None:
        business = access.business(session, me.who.business_id)
        if changes:
            members.update(session, business=business, member_id=member_id, changes=changes, actor=me.actor)

    me.db.write(work)
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

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, me.who.business_id)
        way, value = ("phone", customer.phoneNumber) if customer.phoneNumber else ("email", customer.email)
        member = members.find_by(session, business=business, field=way, value=value or "")
        if member is None or member.status != "active":
            return None
        issued = identification.issue_code(session, business=business, member_id=member.id, at=now())
        return _message(business, member, issued)

    message = me.db.write(work)
    if message is None:
        raise members.MemberNotFound()
    background.add_task(notify.deliver, me.notifier, message)
    return ok()


@router.post("/submitEvent", responses=ANSWERS)
def submit_event(body: SubmitEventIn, me: Caller = Depends(caller)) -> JSONResponse:
    """A custom event for the member (the `event` rules that name it fire), as `/v1/events`."""
    name = body.event_name()
    if not name or not name.strip():
        raise InvalidInput("event.type", "is required")
    member_id = me.identify(body.the_customer())

    def work(session: Session) -> None:
        business = access.business(session, me.who.business_id)
        events.happen(session, business=business, member_id=member_id, name=name, at=now(), actor=me.actor)

    me.db.write(work)
    return ok()


# --- the sale -----------------------------------------------------------------------------------------


@router.post("/submitPurchase", responses=ANSWERS)
def submit_purchase(
    body: SubmitPurchaseIn,
    status: str | None = Query(default=None, max_length=10, description="`open`: announce the ticket only."),
    me: Caller = Depends(caller),
) -> JSONResponse:
    """Confirm the purchase (once per till and transactionId); `?status=open` records the ticket as open; with
    `relatedTransaction` and negative quantities, return those lines of the original sale."""
    if status not in (None, "", "open", "closed"):
        raise InvalidInput("status", "must be open or closed")
    customer = body.the_customer()
    member_id = me.identify(customer) if customer is not None else None
    purchase = body.purchase
    txn = mapping.transaction_id(purchase)
    assert purchase is not None
    if purchase.related:
        return _return(me, purchase, txn)

    def work(session: Session) -> tuple[dict[str, Any], list[dict[str, str]]]:
        business = access.business(session, me.who.business_id)
        sale = mapping.sale(purchase, business=business, member_id=member_id, assets=body.redeemAssets)
        if status == "open":
            purchases.check_amounts(sale, business)
            ticket = tickets.open_ticket(
                session,
                business_id=business.id,
                terminal_id=me.till.terminal_id,
                transaction_id=txn,
                member_id=member_id,
                fingerprint=sale.fingerprint(),
                at=now(),
            )
            return {"confirmation": str(ticket.id)}, []
        answer, _ = purchases.confirm(
            session,
            business=business,
            terminal_id=me.till.terminal_id,
            branch_id=me.till.branch_id,
            sale=sale,
            at=now(),
            actor=me.actor,
        )
        tickets.close(session, business_id=business.id, terminal_id=me.till.terminal_id, transaction_id=txn, at=now())
        return {"confirmation": answer["id"]}, mapping.member_notes(answer)

    confirmation, notes = me.db.write(work)
    return ok(**confirmation, memberNotes=notes)


def _return(me: Caller, purchase: Any, txn: str) -> JSONResponse:
    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, me.who.business_id)
        original = tickets.original(
            session, business_id=business.id, terminal_id=me.till.terminal_id, transaction_id=purchase.related
        )
        lines = mapping.returned_lines(session, original=original, purchase=purchase)
        answer, _ = reversals.return_lines(
            session, business=business, purchase=original, return_id=txn, lines=lines, at=now(), actor=me.actor
        )
        return answer

    answer = me.db.write(work)
    notes = [{"content": f"-{answer['points_taken_back']} points for the returned items", "type": "text"}]
    return ok(confirmation=answer["id"], memberNotes=notes)


@router.post("/payment", responses=ANSWERS)
def payment(body: BudgetPaymentIn, background: BackgroundTasks, me: Caller = Depends(caller)) -> JSONResponse:
    """Pay part of the sale from the member's budget: what it covers, never more than the sale still owes."""
    if body.amount is None:
        raise InvalidInput("amount", "is required")
    if body.amount <= 0:
        raise InvalidInput("amount", "must be more than zero (cents)")
    txn = mapping.transaction_id(body.purchase)
    assert body.purchase is not None
    total = body.purchase.totalAmount
    amount = body.amount
    member_id = me.identify(body.the_customer())

    def work(session: Session) -> dict[str, Any] | tuple[str, notify.LoginCode | None]:
        business = access.business(session, me.who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        payment_policy.check_amount(business, amount)
        if payment_policy.needs_code(
            session, business=business, terminal_id=me.till.terminal_id, member=member, at=now()
        ):
            code = body.verificationCode
            if code is None:
                issued = payment_policy.send_code(session, business=business, member=member, at=now())
                return envelope.VERIFICATION_CODE_SENT, _message(business, member, issued)
            if not code.strip():
                return envelope.VERIFICATION_CODE_MISSING, None
            verified = payment_policy.check_code(
                session,
                business=business,
                terminal_id=me.till.terminal_id,
                member=member,
                code=code,
                settings=me.settings,
                at=now(),
            )
            if not verified:
                return envelope.WRONG_VERIFICATION_CODE, None
        wanted = amount
        if total is not None:
            owed = payment_policy.still_owed(
                session,
                business_id=business.id,
                terminal_id=me.till.terminal_id,
                transaction_id=txn,
                total_minor=total,
            )
            if owed <= 0:
                raise ComoError(envelope.REFUSED, "The sale is already paid in full.")
            wanted = min(amount, owed)
        confirmation, paid, balance = wallets.pay(
            session,
            business=business,
            terminal_id=me.till.terminal_id,
            member_id=member.id,
            transaction_id=txn,
            amount_minor=wanted,
            actor=me.actor,
        )
        return {
            "payments": [{"paymentMethod": "meanOfPayment", "amount": -paid}],
            "confirmation": confirmation,
            "type": wallets.payment_type(business),
            "updatedBalance": balance,
        }

    result = me.db.write(work)
    if isinstance(result, tuple):
        code, message = result
        if message is not None:
            background.add_task(notify.deliver, me.notifier, message)
        return envelope.error(code, VERIFICATION_MESSAGES[code])  # returned, not raised: the code still goes out
    return ok(**result)


VERIFICATION_MESSAGES = {
    envelope.VERIFICATION_CODE_SENT: "A verification code was sent to the member: repeat the payment with it.",
    envelope.VERIFICATION_CODE_MISSING: "The verification code is missing.",
    envelope.WRONG_VERIFICATION_CODE: "The verification code is wrong.",
}


@router.post("/cancelPayment", responses=ANSWERS)
def cancel_payment(body: ConfirmationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Give a budget payment back, by the `confirmation` that `payment` answered."""
    confirmation = _confirmation(body)

    def work(session: Session) -> tuple[str, dict[str, int]]:
        business = access.business(session, me.who.business_id)
        return wallets.cancel(session, business=business, confirmation=confirmation, actor=me.actor)

    kind, balance = me.db.write(work)
    return ok(type=kind, updatedBalance=balance, balance=balance)


@router.post("/cancelPurchase", responses=ANSWERS)
def cancel_purchase(body: ConfirmationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Cancel a confirmed purchase by its `confirmation`, as `/v1` cancel does (twice changes nothing)."""
    confirmation = _confirmation(body)

    def work(session: Session) -> None:
        business = access.business(session, me.who.business_id)
        try:
            purchase_id = uuid.UUID(confirmation)
        except ValueError:
            raise NotFound("purchase") from None
        purchase = purchases.find(session, business_id=business.id, purchase_id=purchase_id)
        reversals.cancel(session, business=business, purchase=purchase, at=now(), actor=me.actor)

    me.db.write(work)
    return ok()


@router.post("/voidPurchase", responses=ANSWERS)
def void_purchase(body: VoidPurchaseIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Abandon a ticket by `purchase.transactionId`: its open record and budget payments are released, a confirmed
    purchase is cancelled."""
    txn = mapping.transaction_id(body.purchase)

    def work(session: Session) -> None:
        business = access.business(session, me.who.business_id)
        tickets.void(
            session, business=business, terminal_id=me.till.terminal_id, transaction_id=txn, at=now(), actor=me.actor
        )

    me.db.write(work)
    return ok()


@router.get("/apiKey", responses=ANSWERS)
def check_api_key(me: Caller = Depends(caller)) -> JSONResponse:
    """Check the key: the business and the branch (location) these headers name."""
    with me.db.read() as session:
        business = access.business(session, me.who.business_id)
        branch = tills.branch_of(session, business_id=business.id, branch_id=me.till.branch_id)
        location_id = (branch.external_id or str(branch.id)) if branch else str(me.till.branch_id)
        return ok(name=business.name, locationId=location_id, locationName=branch.name if branch else "")


@router.api_route("/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown_call(anything: str) -> JSONResponse:
    return envelope.error(envelope.NOT_FOUND, f"No such call: {anything[:60]}", status=404)


# --- small readings of Como's fields --------------------------------------------------------------------


def _confirmation(body: ConfirmationIn) -> str:
    text = (body.confirmation or "").strip()
    if not text:
        raise InvalidInput("confirmation", "is required")
    return text


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


def _message(business: Any, member: Any, issued: identification.IssuedCode) -> notify.LoginCode:
    return notify.LoginCode(
        business_id=str(business.id),
        business_name=business.name,
        member_id=str(member.id),
        phone=member.phone,
        email=member.email,
        code=issued.code,
        minutes=max(1, business.identification_code_ttl_seconds // 60),
    )
