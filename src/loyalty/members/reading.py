"""Reading members at a door: one member (`GET /v1/members/{id}`), the admin's list, a member's points history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from loyalty.db.engine import Database
from loyalty.errors import Forbidden
from loyalty.members import access, cards, search
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.wallet import adjustments


@dataclass(frozen=True)
class Cause:
    purchase_id: str | None
    payment_id: str | None
    rule_id: str | None
    rule_revision: int | None


@dataclass(frozen=True)
class Movement:
    id: str
    kind: str
    points: str
    cause: Cause
    reason: str
    at: object


@dataclass(frozen=True)
class Page:
    items: list[cards.MemberCard]
    next_cursor: str | None


@dataclass(frozen=True)
class History:
    items: list[Movement]
    next_cursor: str | None


def kinds(who: Principal, *allowed: str) -> None:
    if who.kind not in allowed:
        raise Forbidden("forbidden", f"This needs a key of kind {' or '.join(allowed)}, not {who.kind}.")


def show(db: Database, who: Principal, member_id: uuid.UUID) -> cards.MemberCard:
    kinds(who, "admin", "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return cards.card(session, business, members.get(session, business_id=business.id, member_id=member_id), who)


def mine(db: Database, who: Principal) -> cards.MemberCard:
    """The logged-in member, contact details unmasked (they are theirs)."""
    kinds(who, "member")
    assert who.member_id is not None  # every member key belongs to a member
    with db.read() as session:
        business = access.business(session, who.business_id)
        found = members.get(session, business_id=business.id, member_id=who.member_id)
        return cards.cards(session, business, [found], masked=False)[0]


def listing(db: Database, who: Principal, q: str | None, cursor: str | None, limit: int) -> Page:
    kinds(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = search.search(session, business=business, q=q, cursor=cursor, limit=limit)
        return Page(cards.cards(session, business, page.members, masked=False), page.next_cursor)


def history(db: Database, who: Principal, member_id: uuid.UUID, cursor: str | None, limit: int) -> History:
    """The member's ledger transactions, newest first, each with what it changed on the balance."""
    kinds(who, "admin", "pos")
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = adjustments.history(session, business=business, member_id=member_id, cursor=cursor, limit=limit)
        return History(
            [
                Movement(
                    id=str(transaction.id),
                    kind=transaction.kind,
                    points=members.format_points(business, amount),
                    cause=Cause(
                        purchase_id=_text(transaction.purchase_id),
                        payment_id=_text(transaction.payment_id),
                        rule_id=_text(transaction.rule_id),
                        rule_revision=transaction.rule_revision,
                    ),
                    reason=transaction.reason,
                    at=transaction.created_at,
                )
                for transaction, amount in page.items
            ],
            page.next_cursor,
        )


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None
