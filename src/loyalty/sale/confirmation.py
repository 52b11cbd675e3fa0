"""Recording a sale once: `confirmed()` is one database transaction.

The purchase row first (its unique key makes a concurrent copy wait and then replay), then the redemptions (guarded
updates: a benefit or one-time code is spent once), the points and credit payments, the ledger posts, and the answer,
stored to be replayed verbatim.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty import jsontext
from loyalty import rules as engine
from loyalty.audit import record
from loyalty.campaigns import codes
from loyalty.db.engine import RetryTransaction
from loyalty.db.ids import new_id
from loyalty.db.models import Business, Member, PointsPayment, Purchase, PurchaseLine
from loyalty.db.rows import insert_rows
from loyalty.errors import Conflict, NotFound
from loyalty.money import currency_exponent, from_minor, hundredths_to_points, points_to_hundredths, to_minor
from loyalty.sale import as_charged, awards, credit_payments, purchase_rows, sale_effects, settlement, tab
from loyalty.sale.pricing import price, with_recorded
from loyalty.sale.purchases import Priced, Sale, View, member_row
from loyalty.wallet import benefits, punch_cards
from loyalty.wallet.lots import book
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event


def confirm(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    actor: str,
) -> tuple[dict[str, Any], bool]:
    """Record `sale` once. Returns the answer and whether it was recorded now (False: a replay)."""
    done = confirmed(
        session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at, actor=actor
    )
    return done.answer, done.created


@dataclass(frozen=True)
class Confirmed:
    """A confirmation's answer, its JSON text (stored with the purchase and replayed as it is), and whether it
    was recorded now (False: a replay)."""

    answer: dict[str, Any]
    body: str
    created: bool


def serialised(answer: dict[str, Any]) -> str:
    """The one JSON form of an answer: what is sent, stored and replayed."""
    return jsontext.dumps(answer)


def confirmed(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    actor: str,
) -> Confirmed:
    """`confirm`, with the answer's JSON text: claim the transaction (or replay it), judge the sale, spend what it
    redeems, award what it earns, record its lines, and settle the purchase with its answer."""
    fingerprint = sale.fingerprint()
    # The member is read first but judged only once this is known not to be a replay: a replay answers as the
    # first time did, whatever became of the member since.
    member = member_row(session, business.id, sale.member_id)
    purchase = purchase_rows.NewPurchase(
        id=new_id(),
        business_id=business.id,
        branch_id=branch_id,
        terminal_id=terminal_id,
        transaction_id=sale.transaction_id,
        member_id=sale.member_id,
        request_hash=fingerprint,
        created_at=at,
    )
    claimed = _claim(session, purchase, member_found=sale.member_id is None or member is not None)
    if isinstance(claimed, Confirmed):
        return claimed  # a replay
    # Before its payments are read: one still under way is waited for, and later ones find the sale confirmed.
    kinds = tab.wait(session, business_id=business.id, terminal_id=terminal_id, transaction_id=sale.transaction_id)
    priced = _judged(
        session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at, kinds=kinds
    )
    _spend(session, business=business, priced=priced, purchase_id=purchase.id, at=at)
    found = sale_effects.before(priced.member)
    applied, punched = _award(session, business=business, priced=priced, purchase_id=purchase.id, at=at)
    sale_effects.note(
        session, business=business, purchase_id=purchase.id, member=priced.member, found=found, applied=applied
    )
    _record_lines(session, business=business, priced=priced, purchase_id=purchase.id)
    # With no hold on earned points the award's new lots are spendable at once (and expire days later): what the
    # claim read held back is still so, and the answer's balance needs no read after the award's writes.
    held = None if business.points_pending_days else claimed
    answer = _answer(session, business, priced, purchase, applied, punched, at=at, held=held)
    body = serialised(answer)
    purchase_rows.settle(session, business, priced, purchase.id, applied, body)
    record(session, business.id, actor=actor, action="purchase.confirm", obj=purchase)
    record_event(session, business.id, "purchase.confirmed", payloads.purchase(answer))
    return Confirmed(answer, body, True)


def _claim(session: Session, purchase: purchase_rows.NewPurchase, *, member_found: bool) -> Confirmed | int:
    """The purchase's row, inserted first, and the member's points held back then (`insert_once`); or the answer
    of the same transaction recorded before (a replay)."""
    if not member_found:
        earlier = _recorded(session, purchase.business_id, purchase.terminal_id, purchase.transaction_id)
        if earlier is not None:
            return _replayed(earlier, purchase.request_hash)
        raise NotFound("member")
    # The first write: a concurrent copy of this transaction waits here for the first to end, then finds its row.
    held = purchase_rows.insert_once(session, purchase)
    if held is None:
        earlier = _recorded(session, purchase.business_id, purchase.terminal_id, purchase.transaction_id)
        if earlier is None:
            raise RetryTransaction()  # not visible to this transaction yet: run it again from the start
        return _replayed(earlier, purchase.request_hash)
    return held


def _judged(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    kinds: frozenset[str] | None,
) -> Priced:
    """The sale priced, or refused before anything of it is kept: its amounts, its member (`price` refuses a
    blocked or pending one), a benefit or code that cannot apply, another member's payments, payments beyond its
    total. (`price` checks the amounts, first; `kinds`: what the tab's wait saw of its payments.)"""
    if sale.charged is not None:  # the till charged it already: what cannot apply is declined, the sale stands
        priced = as_charged.priced(
            session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at, kinds=kinds
        )
    else:
        priced = price(
            session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at, kinds=kinds
        )
    if priced.rejected:
        first = priced.rejected[0]
        raise Conflict(
            "benefit_unavailable",
            f"{first.get('id') or first.get('code')}: {first['reason']}",
            rejected=priced.rejected,
        )
    paid_by = [payment.member_id for payment in priced.points_payments] + [p.member_id for p in priced.credit_payments]
    if any(member_id != sale.member_id for member_id in paid_by):
        raise Conflict(
            "payment_member_mismatch",
            "This transaction has a points payment of another member: cancel that payment or confirm for its member.",
        )
    exponent = currency_exponent(business.currency)
    settlement.check(
        business,
        total=priced.total,
        reported=with_recorded(sale.payments, credit_payments.CREDIT_MOP, priced.credit_payments, exponent),
        recorded_payments=priced.points_payments,
    )
    return priced


def _spend(session: Session, *, business: Business, priced: Priced, purchase_id: uuid.UUID, at: datetime) -> None:
    """Redeem the sale's benefits and codes (each once, whatever other tills do) and make its payments its own."""
    member = priced.member
    try:
        for asset in priced.assets.values():
            benefits.redeem(
                session,
                business_id=business.id,
                member_id=asset.member_id,
                asset_id=asset.id,
                purchase_id=purchase_id,
                at=at,
            )
        for code in priced.promo_codes.values():
            codes.use(session, code=code, member_id=member.id if member else None, purchase_id=purchase_id, at=at)
    except (benefits.BenefitNotRedeemable, codes.CodeRefused) as lost:
        if priced.sale.charged is not None:
            raise RetryTransaction() from None  # priced again, it is declined and the sale stands
        # Another till spent it between this sale's quote and now: nothing of this purchase is kept.
        shown = codes.discreet(lost) if isinstance(lost, codes.CodeRefused) else lost
        raise Conflict("benefit_unavailable", shown.message, **shown.details) from None
    if priced.points_payments:
        session.execute(
            update(PointsPayment)
            .where(
                PointsPayment.business_id == business.id,
                PointsPayment.id.in_([payment.id for payment in priced.points_payments]),
                PointsPayment.purchase_id.is_(None),
            )
            .values(purchase_id=purchase_id)
        )
    credit_payments.attach(session, payments=priced.credit_payments, purchase_id=purchase_id, business_id=business.id)


def _award(
    session: Session, *, business: Business, priced: Priced, purchase_id: uuid.UUID, at: datetime
) -> tuple[awards.Applied, list[punch_cards.Punched]]:
    """What the member earns: the rules' points and benefits, those of the trigger codes used, the punches."""
    applied = awards.Applied()
    member = priced.member
    if member is None or priced.outcome is None:
        return applied, []
    awards.apply(
        session,
        business=business,
        member=member,
        outcome=priced.outcome,
        at=at,
        purchase_id=purchase_id,
        applied=applied,
    )
    for code in priced.trigger_codes:
        outcome = awards.evaluate(
            session, business=business, member=member, at=at, trigger=engine.Trigger.code_used(code.code)
        )
        awards.apply(
            session, business=business, member=member, outcome=outcome, at=at, purchase_id=purchase_id, applied=applied
        )
    if not priced.outcome.punches:
        return applied, []
    punched = punch_cards.apply(
        session,
        business=business,
        member_id=member.id,
        punches=priced.outcome.punches,
        purchase_id=purchase_id,
        at=at,
    )
    return applied, punched


def _record_lines(session: Session, *, business: Business, priced: Priced, purchase_id: uuid.UUID) -> None:
    """The sale's lines as confirmed, with each line's discount and points (returns take them back from here)."""
    exponent = currency_exponent(business.currency)
    line_discounts = priced.discounts.line_discounts
    line_points = _points_per_line(priced.outcome)
    insert_rows(
        session,
        PurchaseLine,
        [
            {
                "id": new_id(),
                "business_id": business.id,
                "purchase_id": purchase_id,
                "line_id": line.line_id,
                "code": line.code,
                "name": line.name,
                "department": line.department or "",
                "tags": list(line.tags),
                "quantity": str(line.quantity),
                "amount_minor": to_minor(line.amount, exponent),
                "discount_minor": to_minor(line_discounts.get(line.line_id, Decimal(0)), exponent),
                "points_earned": line_points.get(line.line_id, 0),
                "position": position,
            }
            for position, line in enumerate(priced.sale.lines)
        ],
    )


def _answer(
    session: Session,
    business: Business,
    priced: Priced,
    purchase: purchase_rows.NewPurchase,
    applied: awards.Applied,
    punched: list[punch_cards.Punched],
    *,
    at: datetime,
    held: int | None,
) -> dict[str, Any]:
    view = View(business)
    member = priced.member
    exponent = currency_exponent(business.currency)
    return {
        "id": str(purchase.id),
        "transaction_id": priced.sale.transaction_id,
        "member_id": str(member.id) if member else None,
        "status": "completed",
        "subtotal": view.money(priced.subtotal),
        "total": view.money(priced.total),
        "discount_total": view.money(priced.discounts.total),
        "points_earned": view.points(hundredths_to_points(applied.points)),
        "points_paid": view.points(hundredths_to_points(sum(p.points for p in priced.points_payments))),
        "points_balance": view.points(hundredths_to_points(_spendable(session, member, at, held))) if member else None,
        "earned": [view.award(award) for award in applied.awards],
        "discounts": view.discounts(priced.discounts),
        "redeemed": [str(asset.id) for asset in priced.assets.values()],
        "codes_used": [code.code for code in priced.promo_codes.values()],
        "granted": [str(asset_id) for asset_id in applied.granted_asset_ids],
        "created_at": at.isoformat(),
        # The means of payment as the accumulation saw them (recorded payments stand for `points` and `credit`).
        "payments": [{"mop": payment.mop, "amount": view.money(payment.amount)} for payment in priced.payments_seen],
        "credit_paid": view.money(from_minor(sum(p.amount_minor for p in priced.credit_payments), exponent)),
        "credit_balance": view.money(from_minor(member.credit_balance, exponent)) if member else None,
        "punches": punch_cards.answer(business, punched),
    } | _as_charged(view, priced)


def _as_charged(view: View, priced: Priced) -> dict[str, Any]:
    """A sale recorded as the till charged it says what it did not redeem, and what loyalty would have given."""
    if priced.computed_discounts is None:
        return {}
    return {
        "not_redeemed": list(priced.declined),
        "computed_discount_total": view.money(priced.computed_discounts.total),
    }


def _spendable(session: Session, member: Member, at: datetime, held: int | None) -> int:
    """The member's spendable balance after the sale: `held` read by its claim, or read now."""
    if held is not None:
        return member.points_balance - held
    return book.balance_now(
        session, business_id=member.business_id, member_id=member.id, cached=member.points_balance, at=at
    )


def _points_per_line(outcome: engine.Outcome | None) -> dict[str, int]:
    per_line: dict[str, int] = {}
    for award in outcome.awards if outcome else ():
        for share in award.lines:
            per_line[share.line_id] = per_line.get(share.line_id, 0) + points_to_hundredths(share.points)
    return per_line


def _recorded(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> Purchase | None:
    return session.scalar(
        select(Purchase).where(
            Purchase.business_id == business_id,
            Purchase.terminal_id == terminal_id,
            Purchase.transaction_id == transaction_id,
        )
    )


def _replayed(earlier: Purchase, fingerprint: str) -> Confirmed:
    answer = _replay(earlier, fingerprint)
    return Confirmed(answer, serialised(answer), False)


def _replay(earlier: Purchase, fingerprint: str) -> dict[str, Any]:
    if earlier.request_hash != fingerprint:
        raise Conflict(
            "transaction_conflict",
            f"Transaction {earlier.transaction_id} was already recorded with a different content.",
        )
    return dict(earlier.response)
