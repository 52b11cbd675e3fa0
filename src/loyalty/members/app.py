"""The member's own door, the member app: joining, logging in by a code sent to a proven phone or address, the
member's history in words, and logging out. No key is needed to ask for a code; the answers never tell whether
a phone or address belongs to a member."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerTransaction, PointsLot, Rule, now
from loyalty.errors import InvalidInput
from loyalty.members import access, member_login, reading
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.messages import notify
from loyalty.wallet import adjustments
from loyalty.wallet.lots import wording


@dataclass(frozen=True)
class Joining:
    phone: str
    first_name: str
    last_name: str
    email: str | None
    consent: Mapping[str, bool]


@dataclass(frozen=True)
class AppSession:
    key: str
    member_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Line:
    id: str
    kind: str
    points: str
    label: str
    detail: str
    at: datetime


@dataclass(frozen=True)
class History:
    items: list[Line]
    next_cursor: str | None


def _message(business: Business, sent: member_login.Sent) -> notify.LoginCode:
    return notify.LoginCode(
        business_id=str(business.id),
        business_name=business.name,
        member_id=str(sent.member.id),
        phone=sent.member.phone,
        email=sent.member.email,
        code=sent.code,
        minutes=sent.minutes,
        channel=sent.channel,
    )


def join(db: Database, business_id: uuid.UUID, command: Joining) -> notify.LoginCode | None:
    """A pending member, and the login code that proves the phone (None: nothing to send). A phone already
    registered gets a code for its own member, sent only where that member proved they are."""
    if not command.consent.get("terms"):
        raise InvalidInput("consent.terms", "must be accepted to join")

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, business_id)
        at = now()
        joined = members.register(
            session,
            business=business,
            phone=command.phone,
            first_name=command.first_name,
            last_name=command.last_name,
            email=command.email,
            consent=command.consent,
            verified=False,
            actor="member-app",
            at=at,
            consent_source="app",
        )
        sent = member_login.send_code(session, business=business, member=joined, at=at)
        return _message(business, sent) if sent else None

    try:
        return db.write(work)
    except members.MemberExists:
        return ask_code(db, business_id, phone=command.phone, email=None)


def ask_code(db: Database, business_id: uuid.UUID, *, phone: str | None, email: str | None) -> notify.LoginCode | None:
    """A login code for the member with this phone or address, if there is one, sent where they proved they are."""

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, business_id)
        found = member_login.find(session, business=business, phone=phone, email=email)
        asked_by = "email" if email is not None else "phone"
        sent = member_login.send_code(session, business=business, member=found, asked_by=asked_by, at=now())
        return _message(business, sent) if sent else None

    return db.write(work)


def log_in(
    db: Database, business_id: uuid.UUID, *, phone: str | None, email: str | None, code: str
) -> AppSession | None:
    """A member key for the code's member (None: wrong, used, expired or out of tries; the try is committed)."""

    def work(session: Session) -> AppSession | None:
        business = access.business(session, business_id)
        found = member_login.find(session, business=business, phone=phone, email=email)
        done = member_login.verify(session, business=business, member=found, code=code, at=now())
        if done is None:
            return None
        assert done.api_key.expires_at is not None
        return AppSession(done.key, str(done.member.id), done.api_key.expires_at)

    return db.write(work)


def log_out(db: Database, who: Principal) -> None:
    """End this member-app session: its key stops working."""
    reading.kinds(who, "member")

    def work(session: Session) -> None:
        access.revoke_key(session, business_id=who.business_id, key_id=who.key_id, actor=f"member:{who.member_id}")

    db.write(work)


_LABELS = {
    "earn": "Points earned",
    "unearn": "Points taken back",
    "pay": "Paid with points",
    "refund": "Points given back",
    "adjust": "Correction",
    "expire": "Points expired",
    "import": "Points brought over",
    "erasure": "Points forfeited",
}


def _describe(transaction: LedgerTransaction, rule_names: dict[uuid.UUID, str]) -> tuple[str, str]:
    """A title and a detail for the member: the rule's name and the engine's arithmetic, or what happened."""
    rule = rule_names.get(transaction.rule_id) if transaction.rule_id else None
    reason = transaction.reason or ""
    if transaction.kind == "earn" and rule:
        return rule, reason.removeprefix(f"{rule}: ")  # the engine's explanation starts with the rule's name
    if transaction.kind == "pay" and transaction.payment_id is None and transaction.purchase_id is None:
        return "Point shop", reason  # points spent in the shop, not at a till: the reason names what was bought
    if transaction.kind == "pay":
        return _LABELS["pay"], ""  # the reason names the till's transaction id, which means nothing to a member
    if transaction.kind == "expire":
        return _LABELS["expire"], "Their last day had passed"
    return _LABELS.get(transaction.kind, transaction.kind), reason


def my_history(db: Database, who: Principal, cursor: str | None, limit: int) -> History:
    """The member's points history, newest first, in words."""
    reading.kinds(who, "member")
    assert who.member_id is not None  # every member key belongs to a member
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = adjustments.history(session, business=business, member_id=who.member_id, cursor=cursor, limit=limit)
        rule_ids = {transaction.rule_id for transaction, _ in page.items if transaction.rule_id}
        names: dict[uuid.UUID, str] = {}
        if rule_ids:
            names = {
                rule_id: name
                for rule_id, name in session.execute(
                    select(Rule.id, Rule.name).where(Rule.business_id == business.id, Rule.id.in_(rule_ids))
                )
            }
        at = now()
        dated = {
            lot.transaction_id: lot
            for lot in session.scalars(
                select(PointsLot).where(
                    PointsLot.business_id == business.id,
                    PointsLot.transaction_id.in_([txn.id for txn, _ in page.items]),
                )
            )
        }
        items = []
        for transaction, amount in page.items:
            label, detail = _describe(transaction, names)
            lot = dated.get(transaction.id)
            if lot is not None:  # when these points become spendable and expire, in words
                detail = " · ".join(part for part in (detail, wording.lot_detail(lot, business.timezone, at)) if part)
            items.append(
                Line(
                    id=str(transaction.id),
                    kind=transaction.kind,
                    points=members.format_points(business, amount),
                    label=label,
                    detail=detail,
                    at=transaction.created_at,
                )
            )
        return History(items, page.next_cursor)


@dataclass(frozen=True)
class Programme:
    """What the member app's page shows of the business before anyone logs in."""

    id: str
    name: str
    currency: str


def programme(db: Database, business_id: uuid.UUID) -> Programme | None:
    with db.read() as session:
        business = session.get(Business, business_id)
        return None if business is None else Programme(str(business.id), business.name, business.currency)
