"""The member's own door, the member app: joining, logging in by a code sent to a proven phone or address, the
member's history in words, and logging out. No key is needed to ask for a code; the answers never tell whether
a phone or address belongs to a member."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import i18n
from loyalty.db.engine import Database
from loyalty.db.models import Business, LedgerTransaction, PointsLot, Rule, now
from loyalty.errors import InvalidInput
from loyalty.i18n import N_, Speech, reader
from loyalty.i18n.names import name_in
from loyalty.members import access, app_limits, claims, history_words, member_login, reading, texting
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.messages import notify
from loyalty.settings import Settings
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
        language=sent.member.language or business.language,
        country=business.country,
    )


def join(
    db: Database, business_id: uuid.UUID, command: Joining, *, client: str, settings: Settings
) -> notify.LoginCode | None:
    """A pending member, and the login code that proves the phone (None: nothing to send). A phone already
    registered gets a code for its own member, sent only where that member proved they are. Counted against the
    limits per client address and per business (TooManyRequests); a phone of a country the business does not
    text is refused (422 naming it)."""
    if not command.consent.get("terms"):
        raise InvalidInput("consent.terms", "must be accepted to join")
    app_limits.admit(db, business_id, client, settings)

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, business_id)
        at = now()
        if not texting.may_text(business, members.normalise_phone(command.phone, business.country)):
            raise InvalidInput("phone", "this programme sends its codes only to numbers of its own countries")
        email = given["email"]
        if email is not None and members.find_by(session, business=business, field="email", value=email):
            email = None  # someone's already: joining never takes it, proving it later may
        joined = members.register(
            session,
            business=business,
            phone=command.phone,
            first_name=command.first_name,
            last_name=command.last_name,
            email=email,
            consent=command.consent,
            verified=False,
            actor="member-app",
            at=at,
            consent_source="app",
        )
        sent = member_login.send_code(session, business=business, member=joined, at=at, given=given)
        return _message(business, sent) if sent else None

    given = claims.given_of(command.first_name, command.last_name, command.email, command.consent)
    try:
        return db.write(work)
    except members.MemberExists:
        return _join_existing(db, business_id, phone=command.phone, given=given)


def _join_existing(
    db: Database, business_id: uuid.UUID, *, phone: str, given: dict[str, Any]
) -> notify.LoginCode | None:
    """Joining with a phone a record already holds: proven, its member gets a login code where they proved they
    are; unproven (someone else typed it), the code goes to the phone, and proving it makes it the joiner's, with
    only what they gave (`member_login._prover`)."""

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, business_id)
        found = member_login.find(session, business=business, phone=phone, email=None)
        if found is None:
            return None
        claim = found.phone_verified_at is None
        sent = member_login.send_code(
            session, business=business, member=found, at=now(), given=given if claim else None, claim=claim
        )
        return _message(business, sent) if sent else None

    return db.write(work)


def ask_code(
    db: Database, business_id: uuid.UUID, *, phone: str | None, email: str | None, client: str, settings: Settings
) -> notify.LoginCode | None:
    """A login code for the member with this phone or address, if there is one, sent where they proved they are;
    counted against the limits per client address and per business (TooManyRequests)."""
    app_limits.admit(db, business_id, client, settings)
    return _code_for(db, business_id, phone=phone, email=email)


def _code_for(db: Database, business_id: uuid.UUID, *, phone: str | None, email: str | None) -> notify.LoginCode | None:

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


def choose_language(db: Database, who: Principal, language: str | None) -> None:
    """The member's own choice of language for their texts and e-mails (None: the business's)."""
    reading.kinds(who, "member")
    member_id = who.member_id
    assert member_id is not None  # every member key belongs to a member
    chosen = None if language is None else i18n.checked(language, "language")

    def work(session: Session) -> None:
        business = access.business(session, who.business_id)
        members.update(
            session,
            business=business,
            member_id=member_id,
            changes={"language": chosen},
            actor=f"member:{who.member_id}",
        )

    db.write(work)


def log_out(db: Database, who: Principal) -> None:
    """End this member-app session: its key stops working."""
    reading.kinds(who, "member")

    def work(session: Session) -> None:
        access.revoke_key(session, business_id=who.business_id, key_id=who.key_id, actor=f"member:{who.member_id}")

    db.write(work)


# Each kind's title in the member's history (a msgid: said in the reader's language).
_LABELS = {
    "earn": N_("Points earned"),
    "unearn": N_("Points taken back"),
    "pay": N_("Paid with points"),
    "refund": N_("Points given back"),
    "adjust": N_("Correction"),
    "expire": N_("Points expired"),
    "import": N_("Points brought over"),
    "erasure": N_("Points forfeited"),
}


def _describe(transaction: LedgerTransaction, rule_names: dict[uuid.UUID, str], speech: Speech) -> tuple[str, str]:
    """A title and a detail for the member: the rule's name and the engine's arithmetic, or what happened."""
    rule = rule_names.get(transaction.rule_id) if transaction.rule_id else None
    reason = transaction.reason or ""
    said = history_words.message(transaction)
    if transaction.kind == "earn" and rule:
        if said is not None:  # the engine's explanation is "{rule}: {says}": the detail is what it says
            return rule, speech.say(history_words.without_rule(said))
        return rule, reason.removeprefix(f"{rule}: ")  # the engine's explanation starts with the rule's name
    if transaction.kind == "pay" and transaction.payment_id is None and transaction.purchase_id is None:
        # points spent in the shop, not at a till: the reason names what was bought
        return speech.gettext("Point shop"), history_words.detail(transaction, said, speech)
    if transaction.kind == "pay":
        return speech.gettext(_LABELS["pay"]), ""  # the reason names the till's transaction id: nothing to a member
    if transaction.kind == "expire":
        return speech.gettext(_LABELS["expire"]), speech.gettext("Their last day had passed")
    label = speech.gettext(_LABELS[transaction.kind]) if transaction.kind in _LABELS else transaction.kind
    return label, history_words.detail(transaction, said, speech)


def my_history(db: Database, who: Principal, cursor: str | None, limit: int) -> History:
    """The member's points history, newest first, in words."""
    reading.kinds(who, "member")
    assert who.member_id is not None  # every member key belongs to a member
    with db.read() as session:
        business = access.business(session, who.business_id)
        page = adjustments.history(session, business=business, member_id=who.member_id, cursor=cursor, limit=limit)
        rule_ids = {transaction.rule_id for transaction, _ in page.items if transaction.rule_id}
        names: dict[uuid.UUID, str] = {}
        speech = reader.speech_for(business)  # the reader's Accept-Language, else the business's language
        if rule_ids:
            names = {  # each rule's name in the reader's language, when the marketer translated it
                rule_id: name_in(name, translated, speech.language)
                for rule_id, name, translated in session.execute(
                    select(Rule.id, Rule.name, Rule.names).where(Rule.business_id == business.id, Rule.id.in_(rule_ids))
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
            label, detail = _describe(transaction, names, speech)
            lot = dated.get(transaction.id)
            if lot is not None:  # when these points become spendable and expire, in words
                dates = wording.lot_detail(lot, business.timezone, at, speech)
                detail = " · ".join(part for part in (detail, dates) if part)
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
