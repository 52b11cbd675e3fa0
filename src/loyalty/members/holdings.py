"""What a member holds, read for a till in one transaction: the member, the points they can spend now, and the
wallet, each entry with whether it would apply to the basket the till is ringing up (exactly as a quote decides).
Como's `getMemberDetails` shows it in Como's words."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, now
from loyalty.i18n.names import name_in
from loyalty.members import access, reading, tills
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.sale import pricing, purchases
from loyalty.wallet import benefits
from loyalty.wallet.lots import book


@dataclass(frozen=True)
class Held:
    key: str
    name: str
    status: str  # active, redeemed, expired or deactivated
    valid_from: datetime
    valid_until: datetime | None
    redeemable: bool
    reason: str | None  # why not, when it is not


@dataclass(frozen=True)
class Holding:
    business: Any  # the business row (its currency, point value and payment wallet), read in the transaction
    member: Any  # the member row, likewise
    spendable: int  # hundredths of a point spendable now (pending and overdue points left out)
    wallet: list[Held]
    at: datetime


def holding(
    db: Database,
    who: Principal,
    till: tills.Till,
    member_id: uuid.UUID,
    *,
    basket: Callable[[Business, Any], purchases.Sale] | None = None,
) -> Holding:
    """The member's holding; `basket(business, member)` is the sale the till is ringing up, if any (an active
    member's wallet entries are then tried on it)."""
    reading.kinds(who, "pos", "admin")

    def work(session: Session) -> Holding:
        business = access.business(session, who.business_id)
        member = members.get(session, business_id=business.id, member_id=member_id)
        at = now()
        sale = basket(business, member) if basket is not None and member.status == "active" else None
        if sale is not None:
            purchases.check_amounts(sale, business)  # the sale's reach holds here too, before any pricing
        summary = book.summary(session, business_id=business.id, member_id=member.id, at=at)
        entries = benefits.wallet(session, business=business, member_ids=[member.id], at=at)[member.id]
        held = []
        for entry in entries:
            redeemable, reason = entry.standing.redeemable, entry.standing.reason
            if redeemable and sale is not None:
                reason = _refusal_on(session, business, till, sale, str(entry.asset.id), at)
                redeemable = reason is None
            held.append(
                Held(
                    key=str(entry.asset.id),
                    name=name_in(entry.benefit.name, entry.benefit.names, business.language),  # Como: the business's
                    status=entry.standing.status,
                    valid_from=entry.asset.valid_from,
                    valid_until=entry.asset.valid_until,
                    redeemable=redeemable,
                    reason=reason,
                )
            )
        return Holding(business, member, summary.balance, held, at)

    # Read-only, as a quote is: trying a basket never takes the one SQLite writer (it held it 9 s for a big one).
    with db.read() as session:
        return work(session)


def _refusal_on(
    session: Session, business: Business, till: tills.Till, basket: purchases.Sale, key: str, at: datetime
) -> str | None:
    """Why this asset would not apply to the basket (None: it would), exactly as a quote decides it."""
    alone = purchases.Sale(
        transaction_id=basket.transaction_id,
        member_id=basket.member_id,
        lines=basket.lines,
        payments=basket.payments,
        benefits=(key,),
    )
    priced = pricing.price(
        session, business=business, terminal_id=till.terminal_id, branch_id=till.branch_id, sale=alone, at=at
    )
    return priced.rejected[0]["reason"] if priced.rejected else None
