"""A closed sale recorded as the till made it (Como's `submitPurchase`): the customer has paid and gone.

The till already charged its loyalty discounts (`appliedAmount`): those are the purchase's discounts, spread over
the lines as loyalty's own pricing spreads them, and points are earned on what they leave, which is what the
customer paid. A benefit or code that can no longer apply (used meanwhile at another till, expired) is not
redeemed and is reported, and the sale stands. Loyalty's own discount is kept beside the till's so that a business
sees where its tills and its rules disagree (`reports.till_discounts`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import codes
from loyalty.db.models import Business
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.rules.discounts import Source
from loyalty.sale import awards
from loyalty.sale.pricing import price
from loyalty.sale.purchases import Charged, Priced, Sale

# Pricing again without what was declined leaves nothing else to decline; a bound all the same.
MAX_ROUNDS = 3


def priced(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    kinds: frozenset[str] | None = None,
) -> Priced:
    """`sale` priced as its till charged it: what cannot apply is declined (`Priced.declined`), the discounts are
    the till's (`Priced.computed_discounts`: loyalty's own), and the outcome is earned on what the customer paid.
    `kinds`: as for `price`, for the first round (a later one, rare, reads them again)."""
    assert sale.charged is not None
    declined: list[dict[str, str]] = []
    kept = sale
    for _ in range(MAX_ROUNDS):
        found = price(
            session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=kept, at=at, kinds=kinds
        )
        kinds = None
        if not found.rejected:
            break
        declined.extend(found.rejected)
        kept = _without(kept, found.rejected)
    found.declined = declined
    found.computed_discounts = found.discounts
    exponent = currency_exponent(business.currency)
    given = till_discounts(kept.lines, found.discounts, sale.charged, exponent)
    if given.applied != found.discounts.applied:  # the usual sale: the till charged what loyalty gives
        found.discounts = given
        if found.member is not None:
            facts = engine.Purchase(
                transaction_id=sale.transaction_id,
                lines=sale.lines,
                payments=found.payments_seen,
                branch_id=str(branch_id) if branch_id else None,
            )
            found.outcome = awards.evaluate(
                session,
                business=business,
                member=found.member,
                trigger=engine.Trigger.purchase(),
                at=at,
                purchase=facts,
                given=given,
            )
    return found


def _without(sale: Sale, rejected: list[dict[str, str]]) -> Sale:
    """The sale without the benefits and codes that cannot apply."""
    ids = {item["id"] for item in rejected if "id" in item}
    typed = {codes.normalise(item["code"]) for item in rejected if "code" in item}
    return replace(
        sale,
        benefits=tuple(asset for asset in sale.benefits if asset not in ids),
        codes=tuple(text for text in sale.codes if codes.normalise(text) not in typed),
    )


def till_discounts(
    lines: tuple[engine.Line, ...], computed: engine.Discounts, charged: Charged, exponent: int
) -> engine.Discounts:
    """The discounts the till charged, in loyalty's order: each of loyalty's discounts at the till's amount (its own
    where the till sent none), on the lines loyalty put it on; then what the till charged that loyalty did not give
    (a benefit or code declined, a deal loyalty did not find), over every line. Never below zero on a line."""
    left = {line.line_id: to_minor(line.amount, exponent) for line in lines}
    order = [line.line_id for line in lines]
    applied: list[engine.AppliedDiscount] = []
    seen: set[tuple[str, str]] = set()
    for discount in computed.applied:
        seen.add(_key(discount.source, discount.id))
        amount = charged.amount(discount.source, discount.id)
        if discount.source == "deal" and charged.deals_listed and not charged.lists("deal", discount.id):
            amount = Decimal(0)  # the till listed its deals without this one: the customer did not get it
        weights = {share.line_id: to_minor(share.amount, exponent) for share in discount.lines}
        wanted = to_minor(discount.amount if amount is None else amount, exponent)
        applied.append(_spread(discount.id, discount.source, discount.name, wanted, weights, left, order, exponent))
    for source, ident, amount in charged.discounts:
        if amount is None or amount <= 0 or _key(source, ident) in seen or source not in ("benefit", "code", "deal"):
            continue
        seen.add(_key(source, ident))
        weights = dict(left)
        kind: Source = "benefit" if source == "benefit" else "code" if source == "code" else "deal"
        spread = _spread(ident, kind, ident, to_minor(amount, exponent), weights, left, order, exponent)
        applied.append(spread)
    return engine.Discounts(applied=tuple(item for item in applied if item.amount > 0))


def _key(source: str, ident: str) -> tuple[str, str]:
    """A discount's identity: a code in any spelling is one code."""
    return source, codes.normalise(ident) if source == "code" else ident


def _spread(
    ident: str,
    source: Source,
    name: str,
    wanted: int,
    weights: dict[str, int],
    left: dict[str, int],
    order: list[str],
    exponent: int,
) -> engine.AppliedDiscount:
    """`wanted` minor units over the lines in proportion to `weights` (whole units, the rest to the first lines),
    each line at most what it has left; what a full line cannot take goes to the next with room."""
    wanted = max(0, min(wanted, sum(left.values())))
    total_weight = sum(weight for line_id, weight in weights.items() if left.get(line_id, 0) > 0 and weight > 0)
    shares = dict.fromkeys(order, 0)
    if total_weight > 0:
        for line_id in order:
            weight = weights.get(line_id, 0)
            if weight > 0:
                shares[line_id] = min(wanted * weight // total_weight, left[line_id])
    rest = wanted - sum(shares.values())
    for line_id in sorted(order, key=lambda key: (weights.get(key, 0) <= 0, order.index(key))):
        room = left[line_id] - shares[line_id]
        take = min(room, rest)
        shares[line_id] += take
        rest -= take
    for line_id, share in shares.items():
        left[line_id] -= share
    parts = tuple(engine.LineAmount(line_id, from_minor(share, exponent)) for line_id, share in shares.items() if share)
    return engine.AppliedDiscount(ident, source, name, from_minor(sum(shares.values()), exponent), parts)
