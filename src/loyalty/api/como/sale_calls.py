"""The Como calls of a sale: benefits, open and closed purchases, returns, payments, cancellations and voids.

Each call reads Como's shapes, calls the one service of its use case (the same `/v1` calls, with every guard
inside), and answers in Como's shapes."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query
from fastapi.responses import JSONResponse

from loyalty.api.como import envelope, mapping, wallets
from loyalty.api.como.caller import ANSWERS, Caller, KeyedRoute, caller, code_message
from loyalty.api.como.envelope import ok
from loyalty.api.como.shapes import BenefitsIn, BudgetPaymentIn, ConfirmationIn, SubmitPurchaseIn, VoidPurchaseIn
from loyalty.errors import InvalidInput, NotFound
from loyalty.messages import notify
from loyalty.sale import checkout, payment_keys, tender, undo

router = APIRouter(route_class=KeyedRoute)


@router.post("/getBenefits", responses=ANSWERS)
def get_benefits(
    body: BenefitsIn, expand: str | None = Query(default=None, max_length=100), me: Caller = Depends(caller)
) -> JSONResponse:
    """Quote the asked assets and codes on the basket: discounts per line, exactly as a `/v1` quote gives them."""
    customer = body.the_customer()
    member_id = me.identify(customer) if customer is not None else None

    def sale(business: Any) -> Any:
        return mapping.sale(
            body.purchase, business=business, member_id=member_id, assets=body.redeemAssets, transaction_required=False
        )

    quoted = checkout.quote(me.db, me.principal, sale, settings=me.settings, wallet_names=True)
    return ok(
        **mapping.benefits_answer(
            business=quoted.business, priced=quoted.priced, asked=body.redeemAssets or [], names=quoted.wallet_names
        )
    )


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
    member_id = me.customer_of_sale(body.the_customer())  # a paused till never refuses the sale
    purchase = body.purchase
    txn = mapping.transaction_id(purchase)
    assert purchase is not None
    if purchase.related:
        return _return(me, purchase, txn)

    def sale(business: Any) -> Any:
        closed = status != "open"
        return mapping.sale(
            purchase,
            business=business,
            member_id=member_id,
            assets=body.redeemAssets,
            dated=closed,
            deals=body.deals if closed else None,
        )

    if status == "open":
        return ok(confirmation=checkout.open_ticket(me.db, me.principal, sale), memberNotes=[])
    done = checkout.confirm(me.db, me.principal, sale, settings=me.settings, close_ticket=True)
    answer = {"confirmation": done.answer["id"], "memberNotes": mapping.member_notes(done.answer)}
    return ok(**(answer | mapping.not_redeemed(done.answer, body.redeemAssets or [])))


def _return(me: Caller, purchase: Any, txn: str) -> JSONResponse:
    lines = [
        undo.NamedLine((item.lineId or "").strip(), item.code or "", Decimal(abs(item.quantity)), f"items.{index}")
        for index, item in enumerate(purchase.items or [])
    ]
    answer = undo.return_of_ticket(
        me.db, me.principal, original_transaction=purchase.related, return_id=txn, lines=lines
    )
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
        "pays once (until that payment is cancelled). Sent again with another payment: a conflict (4090001).",
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
    member_id = me.identify(body.the_customer())
    key = payment_keys.for_call(
        transaction_id=txn, member_id=member_id, amount_minor=body.amount, header=idempotency_key
    )
    asked = tender.BudgetPayment(
        member_id,
        txn,
        body.amount,
        key,
        total_minor=body.purchase.totalAmount,
        verification_code=body.verificationCode,
        items_minor=mapping.items_total(body.purchase),
    )
    result = tender.pay_budget(me.db, me.principal, asked, settings=me.settings)
    if isinstance(result, tender.Verification):
        if result.sent is not None:
            background.add_task(notify.deliver, me.notifier, code_message(result.business, result.member, result.sent))
        code = VERIFICATION_CODES[result.reason]
        return envelope.error(code, VERIFICATION_MESSAGES[code])  # returned, not raised: the code still goes out
    return ok(
        payments=[{"paymentMethod": "meanOfPayment", "amount": -result.amount_minor}],
        confirmation=str(result.id),
        type=wallets.PAYMENT_TYPES[result.wallet],
        updatedBalance=wallets.balance_of(result),
    )


VERIFICATION_CODES = {
    "sent": envelope.VERIFICATION_CODE_SENT,
    "missing": envelope.VERIFICATION_CODE_MISSING,
    "wrong": envelope.WRONG_VERIFICATION_CODE,
}
VERIFICATION_MESSAGES = {
    envelope.VERIFICATION_CODE_SENT: "A verification code was sent to the member: repeat the payment with it.",
    envelope.VERIFICATION_CODE_MISSING: "The verification code is missing.",
    envelope.WRONG_VERIFICATION_CODE: "The verification code is wrong.",
}


@router.post("/cancelPayment", responses=ANSWERS)
def cancel_payment(body: ConfirmationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Give a budget payment back, by the `confirmation` that `payment` answered."""
    given = tender.cancel(me.db, me.principal, _id(body, "payment"), release_key=True)
    balance = wallets.balance_of(given)
    return ok(type=wallets.PAYMENT_TYPES[given.wallet], updatedBalance=balance, balance=balance)


@router.post("/cancelPurchase", responses=ANSWERS)
def cancel_purchase(body: ConfirmationIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Cancel a confirmed purchase by its `confirmation`, as `/v1` cancel does (twice changes nothing)."""
    undo.cancel(me.db, me.principal, _id(body, "purchase"))
    return ok()


@router.post("/voidPurchase", responses=ANSWERS)
def void_purchase(body: VoidPurchaseIn, me: Caller = Depends(caller)) -> JSONResponse:
    """Abandon a ticket by `purchase.transactionId`: its open record and budget payments are released, a confirmed
    purchase is cancelled."""
    undo.void(me.db, me.principal, mapping.transaction_id(body.purchase))
    return ok()


def _id(body: ConfirmationIn, what: str) -> uuid.UUID:
    """The id a `confirmation` names; one that names nothing is not found."""
    text = (body.confirmation or "").strip()
    if not text:
        raise InvalidInput("confirmation", "is required")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(what) from None
