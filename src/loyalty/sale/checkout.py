"""The sale's use cases at the till: price it (a quote, Como's getBenefits), confirm it, announce it open.

Every door (`/v1`, the Como API) calls these, and each holds every guard of its use case, so no door can forget
one: the caller is a till's key, the member may buy (`purchases` refuses a blocked or pending one), and failed promo
codes are counted the same way whether a sale is priced or confirmed, through whichever door. A wrong code left on
a sale counts once, however often the till prices that sale again (`code_guessing.guess_key`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.campaigns import code_guessing, codes
from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.errors import Conflict
from loyalty.members import access
from loyalty.members.access import KeyKindRefused, Principal
from loyalty.sale import confirmation, pricing, purchases, tickets
from loyalty.settings import Settings
from loyalty.wallet import benefits

# A door that needs the business to read its request (Como's amounts are minor units of its currency) sends a
# function of the business row; `/v1` sends the sale itself.
SaleOf = purchases.Sale | Callable[[Any], purchases.Sale]


def till(who: Principal) -> uuid.UUID:
    """The terminal of a till's key; any other key may not sell."""
    if who.kind != "pos" or who.terminal_id is None:
        raise KeyKindRefused(f"This needs a key of kind pos, not {who.kind}.")
    return who.terminal_id


def _sale(sale: SaleOf, business: Any) -> purchases.Sale:
    return sale if isinstance(sale, purchases.Sale) else sale(business)


@dataclass(frozen=True)
class Quoted:
    """A priced sale: the `/v1` quote's answer, and what Como's getBenefits shapes its own from."""

    business: Any
    priced: purchases.Priced
    answer: dict[str, Any]
    wallet_names: dict[str, str]  # asset id → its benefit's name, when asked for


def quote(db: Database, who: Principal, sale: SaleOf, *, settings: Settings, wallet_names: bool = False) -> Quoted:
    """What the sale would cost and earn. Writes nothing but the failed codes (in a transaction of their own: the
    quote's is read-only), and refuses a till past its limit of them."""
    terminal_id = till(who)
    with db.read() as session:
        at = now()
        business = access.business(session, who.business_id)
        asked = _sale(sale, business)
        _check_codes(session, who, asked, settings=settings, at=at)
        priced = pricing.price(
            session, business=business, terminal_id=terminal_id, branch_id=who.branch_id, sale=asked, at=at
        )
        names = _wallet_names(session, business, priced, at) if wallet_names else {}
        answer = pricing.quote_answer(priced, business)
    _note_guesses(db, who, asked, priced.rejected, settings=settings)
    return Quoted(business, priced, answer, names)


def confirm(
    db: Database, who: Principal, sale: SaleOf, *, settings: Settings, close_ticket: bool = False
) -> confirmation.Confirmed:
    """Record the sale once per till and transaction id: points, redemptions and payments together. Its failed
    codes are counted when it is refused for them; `close_ticket` closes the open ticket of the sale (Como)."""
    terminal_id = till(who)
    asked: list[purchases.Sale] = []

    def work(session: Session) -> confirmation.Confirmed:
        at = now()
        business = access.business(session, who.business_id)
        made = _sale(sale, business)
        purchases.check_transaction_id(made.transaction_id)
        asked[:] = [made]
        _check_codes(session, who, made, settings=settings, at=at)
        done = confirmation.confirmed(
            session,
            business=business,
            terminal_id=terminal_id,
            branch_id=who.branch_id,
            sale=made,
            at=purchases.occurred(made, at),
            actor=who.actor,
        )
        if close_ticket:
            tickets.close(
                session, business_id=business.id, terminal_id=terminal_id, transaction_id=made.transaction_id, at=at
            )
        return done

    try:
        done = db.write(work)
    except Conflict as refused:
        if asked:
            _note_guesses(db, who, asked[0], refused.details.get("rejected") or [], settings=settings)
        raise
    if asked and done.answer.get("not_redeemed"):
        # A sale recorded as the till charged it declines a wrong code instead of refusing: it still counts.
        _note_guesses(db, who, asked[0], done.answer["not_redeemed"], settings=settings)
    return done


def open_ticket(db: Database, who: Principal, sale: SaleOf) -> str:
    """Record that the sale is under way, and for whom (nothing is earned or spent); the ticket's id."""
    terminal_id = till(who)

    def work(session: Session) -> str:
        business = access.business(session, who.business_id)
        made = _sale(sale, business)
        purchases.check_amounts(made, business)
        ticket = tickets.open_ticket(
            session,
            business_id=business.id,
            terminal_id=terminal_id,
            transaction_id=made.transaction_id,
            member_id=made.member_id,
            fingerprint=made.fingerprint(),
            at=now(),
        )
        return str(ticket.id)

    return db.write(work)


def _check_codes(session: Session, who: Principal, sale: purchases.Sale, *, settings: Settings, at: datetime) -> None:
    """A till past its limit of failed codes is refused any sale that carries codes (its own again excepted)."""
    if not sale.codes:
        return
    code_guessing.check(
        session,
        business_id=who.business_id,
        terminal_id=who.terminal_id,
        settings=settings,
        at=at,
        attempts=len({codes.normalise(text) for text in sale.codes}),
        keys=code_guessing.sale_keys(sale.transaction_id, sale.codes),
    )


def _note_guesses(
    db: Database, who: Principal, sale: purchases.Sale, rejected: list[dict[str, str]], *, settings: Settings
) -> None:
    """Failed codes are counted in a transaction of their own: the sale's is read-only or rolled back."""
    keys = code_guessing.guessed_on_sale(sale.transaction_id, rejected)
    if keys:
        db.write(
            lambda session: code_guessing.note(
                session,
                business_id=who.business_id,
                terminal_id=who.terminal_id,
                settings=settings,
                at=now(),
                keys=keys,
            )
        )


def _wallet_names(session: Session, business: Any, priced: purchases.Priced, at: datetime) -> dict[str, str]:
    if priced.member is None:
        return {}
    entries = benefits.wallet(session, business=business, member_ids=[priced.member.id], at=at)
    return {str(entry.asset.id): entry.benefit.name for entry in entries[priced.member.id]}
