"""The Como calls of a sale: benefits, open and closed purchases, returns, payments, cancellations and voids."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from loyalty.api.como import envelope, mapping, wallets
from loyalty.api.como.caller import ANSWERS, Caller, KeyedRoute, caller, code_message, now
from loyalty.api.como.envelope import ComoError, ok
from loyalty.api.como.shapes import BenefitsIn, BudgetPaymentIn, ConfirmationIn, SubmitPurchaseIn, VoidPurchaseIn
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import access, sent_codes
from loyalty.members import accounts as members
from loyalty.messages import notify
from loyalty.sale import payment_keys, payment_policy, purchases, reversals, tickets

router = APIRouter(route_class=KeyedRoute)


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
def payment(
    body: BudgetPaymentIn,
    background: BackgroundTasks,
    me: Caller = Depends(caller),
    idempotency_key: str | None = Header(
        default=None,
        max_length=128,
        description="Optional: without it, the same call for the same ticket, member and amount is a retry and "
        "pays once (until that payment is cancelled).",
    ),
) -> JSONResponse:
    """Pay part of the sale from the member's budget: what it covers, never more than the sale still owes. Sent
    again (a retry after a timeout), it answers the payment already made."""
    if body.amount is None:
        raise InvalidInput("amount", "is required")
    if body.amount <= 0:
        raise InvalidInput("amount", "must be more than zero (cents)")
    txn = mapping.transaction_id(body.purchase)
    assert body.purchase is not None
    total = body.purchase.totalAmount
    amount = body.amount
    member_id = me.identify(body.the_customer())

    key = payment_keys.for_call(transaction_id=txn, member_id=member_id, amount_minor=amount, header=idempotency_key)

    def work(session: Session) -> dict[str, Any] | tuple[str, notify.LoginCode | None]:
        business = access.business(session, me.who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        payment_policy.check_amount(business, amount)
        earlier = wallets.standing(session, business=business, terminal_id=me.till.terminal_id, key=key)
        if earlier is not None:  # before the verification code and what is owed: both were settled the first time
            confirmation, paid, balance, kind = earlier
            answer = {"payments": [{"paymentMethod": "meanOfPayment", "amount": -paid}], "confirmation": confirmation}
            return answer | {"type": kind, "updatedBalance": balance}
        if payment_policy.needs_code(
            session, business=business, terminal_id=me.till.terminal_id, member=member, at=now()
        ):
            code = body.verificationCode
            if code is None:
                sent = sent_codes.send(
                    session,
                    business=business,
                    member=member,
                    purpose="payment",
                    actor=me.actor,
                    at=now(),
                    asked_by="phone",
                )
                return envelope.VERIFICATION_CODE_SENT, code_message(business, member, sent)
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
            key=key,
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


def _confirmation(body: ConfirmationIn) -> str:
    text = (body.confirmation or "").strip()
    if not text:
        raise InvalidInput("confirmation", "is required")
    return text
