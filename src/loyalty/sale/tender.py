"""Paying part of a sale with what the member holds (points or stored credit), and giving it back.

One service per use case, for every door: `pay` (`/v1/payments`), `pay_budget` (Como's `payment`, from the
business's payment wallet, with its limits and verification code) and `cancel`. Each holds every guard:

- the caller is a till's key, and the member may pay (blocked and pending members may not);
- an idempotency key answers only the request it was sent with: the same key with another member, amount, wallet
  or sale is a conflict (409), never the first payment's answer;
- points and credit payments on one sale are capped together by what it still owes, and that holds with any number
  of tills paying at once: the sale's tab is locked (`tab.hold`) before what it owes is read.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.db.models import CreditPayment, PointsPayment
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import access, sent_codes
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor
from loyalty.sale import (
    credit_payments,
    payment_keys,
    payment_policy,
    payment_steps,
    payments,
    pricing,
    purchases,
    settlement,
    tab,
)
from loyalty.sale.checkout import till
from loyalty.settings import Settings


@dataclass(frozen=True)
class Payment:
    """A payment as `/v1` asks it: with `sale` (the sale as it stands), capped at what that sale still owes."""

    member_id: uuid.UUID
    transaction_id: str
    amount: Decimal
    idempotency_key: str
    wallet: Literal["points", "credit"] = "points"
    sale: purchases.Sale | None = None

    def digest(self) -> str:
        said = [str(self.member_id), self.transaction_id, str(self.amount.normalize()), self.wallet]
        return _digest([*said, self.sale.fingerprint() if self.sale else None])


@dataclass(frozen=True)
class BudgetPayment:
    """A payment as Como asks it: minor units, from the business's payment wallet, capped by the ticket's total."""

    member_id: uuid.UUID
    transaction_id: str
    amount_minor: int
    key: str  # payment_keys.for_call: the till's Idempotency-Key, else the call itself
    total_minor: int | None = None
    verification_code: str | None = None
    items_minor: int | None = None  # the sum of the ticket's items: the cap when it says no total

    def digest(self) -> str:
        # The ticket's total may grow between a call and its retry: the payment asked is the member, ticket and amount.
        return _digest([str(self.member_id), self.transaction_id, self.amount_minor])


@dataclass(frozen=True)
class Tendered:
    """A payment made, replayed or given back, with the member's balances after."""

    business: Any
    id: uuid.UUID
    wallet: str  # points | credit
    amount_minor: int
    created: bool
    view: dict[str, Any]  # as `/v1` answers it
    points_balance: int  # spendable hundredths
    credit_balance: int  # minor units


@dataclass(frozen=True)
class Verification:
    """The payment waits for the member's code: `sent` (a code is on its way), `missing` or `wrong`."""

    reason: Literal["sent", "missing", "wrong"]
    business: Any = None
    member: Any = None
    sent: Any = None  # (IssuedCode, channel) when a code was sent


def pay(db: Database, who: Principal, request: Payment) -> Tendered:
    """Pay part of a sale with points or credit: at most what the balance covers and, with the sale, what it still
    owes. Once per Idempotency-Key."""
    terminal_id = till(who)
    purchases.check_transaction_id(request.transaction_id)
    digest = request.digest()

    def work(session: Session) -> Tendered:
        business = access.business(session, who.business_id)
        found = payment_keys.earlier(
            session, business_id=business.id, terminal_id=terminal_id, key=request.idempotency_key
        )
        if found is not None:
            _same(found, request.member_id, request.transaction_id, digest, wallet=request.wallet)
            return _tendered(session, business, _row(session, found), created=False)
        tab.hold(
            session, business_id=business.id, terminal_id=terminal_id, transaction_id=request.transaction_id, at=now()
        )
        owed = _owed_by_sale(session, who, business, terminal_id, request.sale)
        asked = payment_steps.PaymentRequest(
            request.member_id, request.transaction_id, request.amount, request.idempotency_key, digest
        )
        return _pay_from(
            request.wallet, session, business, terminal_id, asked, actor=who.actor, owed=owed, key_looked_up=True
        )

    return db.write(work)


def pay_budget(db: Database, who: Principal, request: BudgetPayment, *, settings: Settings) -> Tendered | Verification:
    """Pay from the business's payment wallet within its limits, after the member's code when the business asks
    for one, never more than the ticket still owes. A retried call answers the payment it made."""
    terminal_id = till(who)
    purchases.check_transaction_id(request.transaction_id)
    digest = request.digest()

    def work(session: Session) -> Tendered | Verification:
        at = now()
        business = access.business(session, who.business_id)
        member = members.get(session, business_id=business.id, member_id=request.member_id)
        payment_policy.check_amount(business, request.amount_minor)
        found = payment_keys.earlier(session, business_id=business.id, terminal_id=terminal_id, key=request.key)
        if found is not None and found.status == "active":
            # Before the code and what is owed: both were settled the first time.
            _same(found, request.member_id, request.transaction_id, digest, wallet=found.wallet)
            return _tendered(session, business, _row(session, found), created=False)
        cap = payment_policy.cap(request.total_minor, request.items_minor)
        if payment_policy.needs_code(
            session,
            business=business,
            terminal_id=terminal_id,
            member=member,
            transaction_id=request.transaction_id,
            at=at,
        ):
            code = request.verification_code
            if code is None:
                sent = sent_codes.send(
                    session,
                    business=business,
                    member=member,
                    purpose="payment",
                    actor=who.actor,
                    at=at,
                    asked_by="phone",
                )
                return Verification("sent", business, member, sent)
            if not code.strip():
                return Verification("missing")
            if not payment_policy.check_code(
                session, business=business, terminal_id=terminal_id, member=member, code=code, settings=settings, at=at
            ):
                return Verification("wrong")
        tab.hold(
            session, business_id=business.id, terminal_id=terminal_id, transaction_id=request.transaction_id, at=at
        )
        owed = payment_policy.still_owed(
            session,
            business_id=business.id,
            terminal_id=terminal_id,
            transaction_id=request.transaction_id,
            total_minor=cap,
        )
        if owed <= 0:
            raise payment_steps.NothingOwed()
        wanted = min(request.amount_minor, owed)
        amount = from_minor(wanted, currency_exponent(business.currency))
        asked = payment_steps.PaymentRequest(member.id, request.transaction_id, amount, request.key, digest)
        return _pay_from(business.payment_wallet, session, business, terminal_id, asked, actor=who.actor)

    return db.write(work)


def cancel(db: Database, who: Principal, payment_id: uuid.UUID, *, release_key: bool = False) -> Tendered:
    """Give a payment back (before its sale is confirmed); twice is a no-op. `release_key`: the call that made it
    (Como's, keyed by the call itself) may pay anew."""
    till(who)

    def work(session: Session) -> Tendered:
        business = access.business(session, who.business_id)
        if release_key:
            payment_keys.release(session, business_id=business.id, payment_id=payment_id)
        stored = credit_payments.find_payment(session, business_id=business.id, payment_id=payment_id)
        if stored is not None:
            credit_payments.cancel(session, business=business, payment=stored, actor=who.actor)
            return _tendered(session, business, stored, created=False)
        payment = payments.cancel(session, business=business, payment_id=payment_id, actor=who.actor)
        return _tendered(session, business, payment, created=False)

    return db.write(work)


def _pay_from(
    wallet: str,
    session: Session,
    business: Any,
    terminal_id: uuid.UUID,
    asked: payment_steps.PaymentRequest,
    *,
    actor: str,
    owed: Decimal | None = None,
    key_looked_up: bool = False,
) -> Tendered:
    """Pay `asked` from the member's credit (`wallet` "credit") or points."""
    pay = credit_payments.pay if wallet == "credit" else payments.pay
    paid, created = pay(
        session,
        business=business,
        terminal_id=terminal_id,
        request=asked,
        actor=actor,
        owed=owed,
        key_looked_up=key_looked_up,
    )
    return _tendered(session, business, paid, created=created)


def _owed_by_sale(
    session: Session, who: Principal, business: Any, terminal_id: uuid.UUID, sale: purchases.Sale | None
) -> Decimal | None:
    """What the sale still owes after its points and credit payments (read under the tab's lock), or None."""
    if sale is None:
        return None
    try:
        purchases.check_amounts(sale, business)
    except InvalidInput as wrong:
        raise InvalidInput(f"purchase.{wrong.field}", wrong.message.split(": ", 1)[-1]) from None
    priced = pricing.price(
        session, business=business, terminal_id=terminal_id, branch_id=who.branch_id, sale=sale, at=now()
    )
    return settlement.still_owed(priced.total, business, priced.points_payments, priced.credit_payments)


def _same(found: payment_keys.Standing, member_id: uuid.UUID, transaction_id: str, digest: str, *, wallet: str) -> None:
    """The payment under a key answers only the request it was made for."""
    if found.wallet != wallet:
        raise payment_steps.KeyReused()
    asked = payment_steps.PaymentRequest(member_id, transaction_id, Decimal(0), None, digest)
    payment_steps.same_request(found.request_hash, found.member_id, found.transaction_id, asked)


def _row(session: Session, found: payment_keys.Standing) -> PointsPayment | CreditPayment:
    row: PointsPayment | CreditPayment | None = (
        session.get(PointsPayment, found.id) if found.wallet == "points" else session.get(CreditPayment, found.id)
    )
    if row is None:
        raise NotFound("payment")
    return row


def _tendered(session: Session, business: Any, payment: PointsPayment | CreditPayment, *, created: bool) -> Tendered:
    if isinstance(payment, CreditPayment):
        credit_minor, points = credit_payments.balances(session, payment.business_id, payment.member_id)
        view = credit_payments.payment_view(session, business, payment, (credit_minor, points))
        return Tendered(business, payment.id, "credit", payment.amount_minor, created, view, points, credit_minor)
    spendable = payments.spendable_after(session, payment)
    view = payments.view(session, business, payment, spendable)
    return Tendered(business, payment.id, "points", payment.amount_minor, created, view, spendable, 0)


def _digest(said: list[Any]) -> str:
    return hashlib.sha256(json.dumps(said, separators=(",", ":")).encode()).hexdigest()
