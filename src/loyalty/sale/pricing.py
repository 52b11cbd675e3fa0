"""Pricing a sale: the one computation behind both a quote and a confirmation, so a till's preview and the
recorded purchase never disagree.

Benefits and codes become per-line discounts (the engine's `apply_discounts`), the points and credit payments
recorded for the transaction count as MOP `points` and `credit`, and the engine's `evaluate()` gives the points on
what is left after the discounts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import codes
from loyalty.db import scoped
from loyalty.db.models import Asset, Business, CreditPayment, Member, PointsPayment
from loyalty.i18n import reader
from loyalty.money import currency_exponent, from_minor
from loyalty.sale import awards, credit_payments, payments, purchases, settlement
from loyalty.sale.purchases import Priced, Sale, View, buyer, check_amounts
from loyalty.wallet import benefits, punch_cards


def price(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    kinds: frozenset[str] | None = None,
) -> Priced:
    """Discounts, points and refusals for `sale`, as a quote shows them and a confirmation records them. `kinds`:
    the kinds of payment the sale has, when the caller already read them (`tab.wait`; None: `settlement.recorded_for`
    reads them)."""
    check_amounts(sale, business)
    member = buyer(session, business.id, sale.member_id)
    exponent = currency_exponent(business.currency)
    rejected: list[dict[str, str]] = []
    requests: list[engine.DiscountRequest] = []
    priced = Priced(sale, member, engine.Discounts(), None, rejected)

    for asset_id in sale.benefits:
        asset, why_not = _usable_asset(session, business, member, asset_id, at)
        if asset is not None and any(taken.id == asset.id for taken in priced.assets.values()):
            continue  # another spelling of the same id ("ABC…" and "abc…"): one wallet entry, used once
        if asset is None:
            rejected.append({"id": asset_id, "reason": why_not})
            continue
        priced.assets[asset_id] = asset
        template = _template(session, business, asset.benefit_id)
        requests.append(engine.DiscountRequest(asset_id, "benefit", template.name, template))
    # Normalised before anything counts them: "FIVEOFF", "fiveoff" and " FIVEOFF" are one code, used once a sale
    # (answered under the spelling first typed).
    spellings: dict[str, str] = {}
    for typed in sale.codes:
        spellings.setdefault(codes.normalise(typed), typed)
    for text in spellings.values():
        try:
            code = codes.find_usable(
                session, business_id=business.id, text=text, member_id=member.id if member else None, at=at
            )
        except codes.CodeRefused as refusal:
            rejected.append({"code": text, "reason": codes.discreet(refusal).reason})
            continue
        priced.promo_codes[text] = code
        if code.effect == "trigger" or code.benefit_id is None:
            priced.trigger_codes.append(code)
            continue
        template = _template(session, business, code.benefit_id)
        requests.append(engine.DiscountRequest(text, "code", template.name, template))

    priced.points_payments, priced.credit_payments = settlement.recorded_for(
        session, business_id=business.id, terminal_id=terminal_id, transaction_id=sale.transaction_id, kinds=kinds
    )
    priced.payments_seen = with_recorded(
        with_recorded(sale.payments, credit_payments.CREDIT_MOP, priced.credit_payments, exponent),
        payments.POINTS_MOP,
        priced.points_payments,
        exponent,
    )
    if member is not None:
        facts = engine.Purchase(
            transaction_id=sale.transaction_id,
            lines=sale.lines,
            payments=priced.payments_seen,
            branch_id=str(branch_id) if branch_id else None,
        )
        # The member's deals first, then the benefits and codes, all in the engine: points on what is left.
        priced.outcome = awards.evaluate(
            session,
            business=business,
            member=member,
            trigger=engine.Trigger.purchase(),
            at=at,
            purchase=facts,
            requests=requests,
        )
        priced.discounts = priced.outcome.discounts
        purchases.check_reach(sale, priced.outcome)
    else:
        priced.discounts = engine.apply_discounts(sale.lines, requests, currency_exponent=exponent)
    for unapplied in priced.discounts.rejected:
        if unapplied.source == "deal":
            continue  # a deal is automatic: one that cannot apply is simply not there
        speech = reader.speech_for(business)  # why not, in the till's language (most sales have nothing to say)
        key = "id" if unapplied.source == "benefit" else "code"
        why = speech.say(unapplied.message) if unapplied.message is not None else unapplied.reason
        rejected.append({key: unapplied.id, "reason": f"{unapplied.name} {why}"})
    return priced


def _usable_asset(
    session: Session, business: Business, member: Member | None, asset_id: str, at: datetime
) -> tuple[Asset | None, str]:
    """The wallet entry if this member can use it now, else None and why (in a cashier's words)."""
    try:
        found = scoped.get(session, Asset, uuid.UUID(asset_id), business_id=business.id)
    except ValueError:
        found = None
    speech = reader.speech_for(business)  # the cashier's words, in the till's language
    if found is None or member is None or found.business_id != business.id or found.member_id != member.id:
        return None, speech.gettext("this benefit is not in this member's wallet")
    standing = benefits.standing(found, at=at, timezone=business.timezone)
    if not standing.redeemable:
        return None, benefits.reason_in(standing, speech, business.timezone) or speech.gettext("cannot be used")
    return found, ""


def _template(session: Session, business: Business, benefit_id: uuid.UUID) -> engine.Benefit:
    """The engine's view of a stored benefit template."""
    stored = benefits.get(session, business_id=business.id, benefit_id=benefit_id)
    name = reader.speech_for(business).name(stored.name, stored.names)  # as the reader of the answer sees it
    body = {"name": name, "kind": stored.kind, **stored.definition, "valid_days": stored.valid_days}
    return engine.parse_benefit(body, currency_exponent=currency_exponent(business.currency))


def with_recorded(
    reported: Sequence[engine.Payment],
    mop: str,
    recorded: Sequence[PointsPayment] | Sequence[CreditPayment],
    exponent: int,
) -> tuple[engine.Payment, ...]:
    """The payments accumulation sees: payments recorded through loyalty (points, credit) stand for their MOP,
    whether or not the till listed them (a listed amount of that MOP is replaced, never added, so nothing counts
    twice)."""
    if not recorded:
        return tuple(reported)
    paid = sum((from_minor(payment.amount_minor, exponent) for payment in recorded), Decimal(0))
    others = tuple(payment for payment in reported if engine.name_key(payment.mop) != mop)
    return (*others, engine.Payment(mop=mop, amount=paid))


def quote_answer(priced: Priced, business: Business) -> dict[str, Any]:
    view = View(business)
    outcome = priced.outcome
    return {
        "transaction_id": priced.sale.transaction_id,
        "member_id": str(priced.member.id) if priced.member else None,
        "subtotal": view.money(priced.subtotal),
        "discounts": view.discounts(priced.discounts),
        "discount_total": view.money(priced.discounts.total),
        "total": view.money(priced.total),
        "points_earned": view.points(outcome.points if outcome else Decimal(0)),
        "earned": [view.award(award) for award in outcome.awards] if outcome else [],
        "rejected": priced.rejected,
        "punches": punch_cards.preview(outcome.punches, business) if outcome else [],
    }
