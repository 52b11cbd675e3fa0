"""Members: registration, their contact details, consent, tags and status, search.

A phone number is the member's key at the till, so it is kept in one spelling (E.164, the business country as the
default region) and is unique per business, as are the e-mail address (lower case) and the member number.
Registration fires the `joined` rules in the same transaction: a member never exists without their welcome gift.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty import i18n, text
from loyalty.audit import record
from loyalty.db import scoped
from loyalty.db.models import Business, Member, now
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.members import attributes as member_attributes
from loyalty.members import consents
from loyalty.money import hundredths_to_points
from loyalty.sale import awards
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event

# "pending": joined through the member app, phone or e-mail not yet proven by a login code. Such a member is not
# found at the till and has earned nothing, so nobody can collect welcome points on a number that is not theirs.
STATUSES = ("active", "blocked", "pending")  # and "erased", which only erasure sets (`forget`)
CONSENTS = ("terms", "sms", "email")
MAX_TAGS = 50
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MemberNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("member")


class MemberNotActive(Refused):
    """A blocked or pending member earns and receives nothing, by any trigger."""

    def __init__(self, status: str) -> None:
        super().__init__(
            f"member_{status}", f"This loyalty account is {status}: it earns and receives nothing until it is active."
        )


def require_active(member: Member) -> Member:
    if member.status != "active":
        raise MemberNotActive(member.status)
    return member


class MemberExists(Conflict):
    def __init__(self, field: str) -> None:
        what = field.replace("_", " ")
        super().__init__("member_exists", f"A member with this {what} already exists.", field=field)


# --- the spelling of contact details --------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # pure, and phonenumbers' parsing is the dearest step of a phone lookup
def normalise_phone(raw: str, country: str) -> str:
    """The E.164 spelling of `raw` ("079 123 45 67" in CH → "+41791234567"); InvalidInput("phone") if it is none."""
    try:
        number = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        # Tills send foreign numbers with their country code but without the "+" ("34600999888"): read so when
        # the number is no valid one of the business's country.
        number = _international(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _international(raw: str) -> phonenumbers.PhoneNumber:
    digits = "".join(char for char in raw if char.isdigit())
    if raw.strip().startswith("+") or not digits or digits.startswith("0") or len(digits) < 8:
        raise InvalidInput("phone", "is not a valid phone number")
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        raise InvalidInput("phone", "is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("phone", "is not a valid phone number")
    return number


@functools.lru_cache(maxsize=4096)  # pure: a till's every answer about a member masks the same number
def mask_phone(e164: str) -> str:
    """ "+41791234567" → "+41 •• ••• •• 67": the country code and the last two digits, enough to confirm by ear."""
    try:
        spaced = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return "•••" + e164[-2:]
    country, _, national = spaced.partition(" ")
    hidden = sum(char.isdigit() for char in national) - 2
    masked = []
    for char in national:
        if char.isdigit() and hidden > 0:
            masked.append("•")
            hidden -= 1
        else:
            masked.append(char)
    return f"{country} {''.join(masked)}".strip()


def normalise_email(raw: str | None) -> str | None:
    if raw is None:
        return None
    email = raw.strip().lower()
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("email", "is not an e-mail address")
    return email


MAX_NAME = 100  # the columns' length: longer reached PostgreSQL and came back a 503 "please retry"


def normalise_name(raw: str | None, field: str) -> str:
    """A first or last name, trimmed: text, and no longer than its column."""
    name = (raw or "").strip()
    text.check(name, field, max_length=MAX_NAME)
    return name


def normalise_member_number(raw: str | None) -> str | None:
    if raw is None:
        return None
    number = raw.strip()
    if len(number) > 64:
        raise InvalidInput("member_number", "must be at most 64 characters")
    return number or None


def normalise_tags(raw: Iterable[str], field: str = "tags") -> list[str]:
    """Trimmed, without duplicates, in the order given."""
    tags: list[str] = []
    for index, tag in enumerate(raw):
        text = tag.strip()
        if not text or len(text) > 50:
            raise InvalidInput(f"{field}.{index}", "must be a tag of 1 to 50 characters")
        if text not in tags:
            tags.append(text)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(field, f"at most {MAX_TAGS} tags")
    return tags


def format_points(business: Business, hundredths: int) -> str:
    """Points as the decimal string the API shows, at the business's `points_decimals`.

    A balance finer than the setting (the setting was lowered later) is shown in full rather than rounded: the
    figure a member sees must be the figure they own.
    """
    points = hundredths_to_points(hundredths)
    shown = points.quantize(Decimal(1).scaleb(-business.points_decimals))
    return str(shown if shown == points else points)


# --- reads ----------------------------------------------------------------------------------------


def get(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> Member:
    member = scoped.get(session, Member, member_id, business_id=business_id)
    if member is None or member.business_id != business_id:
        raise MemberNotFound()
    return member


def locked(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> Member:
    """The member's row, locked until the transaction ends: a guard read from it holds against concurrent tills."""
    member = session.scalar(
        select(Member)
        .where(Member.id == member_id, Member.business_id == business_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise MemberNotFound()
    return member


def reloaded(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> Member:
    """The member, re-read from the database (a guarded UPDATE may have moved the cached balance)."""
    member = session.scalar(
        select(Member)
        .where(Member.id == member_id, Member.business_id == business_id)
        .execution_options(populate_existing=True)
    )
    if member is None:
        raise MemberNotFound()
    return member


def find_by(session: Session, *, business: Business, field: str, value: str) -> Member | None:
    """The member whose phone, email or member number is `value` (normalised as at registration)."""
    value = spelled_as_stored(business, field, value)
    found: Member | None = session.scalar(_by_contact(field), {"business": business.id, "value": value})
    return found


def spelled_as_stored(business: Business, field: str, value: str) -> str:
    """`value` of `field` (phone, email, member_number) spelled as registration stores it."""
    if field == "phone":
        return normalise_phone(value, business.country)
    if field == "email":
        return value.strip().lower()
    if field == "member_number":
        return value.strip()
    raise ValueError(f"cannot find members by {field!r}")


@functools.cache
def _by_contact(field: str) -> Any:
    """`find_by`'s statement for one field, built once (a till identifies by phone at every sale)."""
    column = {"phone": Member.phone, "email": Member.email, "member_number": Member.member_number}[field]
    return select(Member).where(Member.business_id == bindparam("business"), column == bindparam("value"))


# --- writes ---------------------------------------------------------------------------------------


def register(
    session: Session,
    *,
    business: Business,
    phone: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    birthday: date | None = None,
    member_number: str | None = None,
    tags: Sequence[str] = (),
    consent: Mapping[str, bool] | None = None,
    verified: bool = True,
    actor: str,
    at: datetime,
    attributes: dict[str, Any] | None = None,
    consent_source: str = "staff",
) -> Member:
    """A new member of `business`; fires the `joined` rules in the same transaction.

    `verified=False` (self-service joining) makes a pending member instead: `activate` fires `joined` once the
    member has proven the phone or e-mail address with a login code."""
    if phone is None and not email:
        raise InvalidInput("phone", "a member needs a phone number or an e-mail address")
    member = Member(
        business_id=business.id,
        phone=normalise_phone(phone, business.country) if phone is not None else None,
        email=normalise_email(email),
        member_number=normalise_member_number(member_number),
        first_name=normalise_name(first_name, "first_name"),
        last_name=normalise_name(last_name, "last_name"),
        birthday=birthday,
        status="active" if verified else "pending",
        tags=normalise_tags(tags),
        created_at=at,
        attributes=attributes,
        **_consent_columns(consent or {}),
    )
    if verified:  # staff registered the person standing before them: they vouch for the number and the address
        member.phone_verified_at = at if member.phone else None
        member.email_verified_at = at if member.email else None
        member.joined_at = at
    _refuse_duplicates(session, member)
    _insert(session, member)
    consents.log_changes(
        session,
        business_id=business.id,
        member_id=member.id,
        before=None,
        after={key: bool(value) for key, value in (consent or {}).items()},
        source=consent_source,
        at=at,
    )
    record(session, business.id, actor=actor, action="member.register", obj=member)
    record_event(session, business.id, "member.created", payloads.member(member))
    if verified:
        awards.fire(session, business=business, member=member, trigger="joined", at=at)
    return member


def activate(session: Session, *, business: Business, member: Member, actor: str, at: datetime) -> None:
    """A pending member proved their contact details: now a member, with what joining gives. Once only."""
    activated = session.execute(
        sa.update(Member)
        .where(Member.business_id == business.id, Member.id == member.id, Member.status == "pending")
        .values(status="active")
        .execution_options(synchronize_session=False)
    )
    if activated.rowcount != 1:  # type: ignore[attr-defined]
        return
    scoped.refresh(session, member, ["status"])
    prove(session, member=member, channel="sms", at=at)  # by the code that came back, or by the admin vouching
    record(session, business.id, actor=actor, action="member.activate", obj=member)
    # Once per member, ever: one set back to pending by an admin and proven again does not join again.
    first = session.execute(
        sa.update(Member)
        .where(Member.business_id == business.id, Member.id == member.id, Member.joined_at.is_(None))
        .values(joined_at=at)
        .execution_options(synchronize_session=False)
    )
    if first.rowcount != 1:  # type: ignore[attr-defined]
        return
    scoped.refresh(session, member, ["joined_at"])
    awards.fire(session, business=business, member=member, trigger="joined", at=at)


def prove(session: Session, *, member: Member, channel: str, at: datetime) -> None:
    """A login code sent by `channel` ("sms" or "email") came back, or staff vouched: that contact is proven."""
    column = "phone_verified_at" if channel == "sms" else "email_verified_at"
    if getattr(member, "phone" if channel == "sms" else "email") is None:
        return  # nothing there to prove
    if getattr(member, column) is None:
        setattr(member, column, at)
        session.flush()


def update(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    changes: Mapping[str, Any],
    actor: str,
    vouched: bool = True,
    consent_source: str = "staff",
) -> Member:
    """Change contact details, names, birthday, tags, status, consent, language or attributes (merged: an empty value
    removes one); `changes` holds only what changes.

    `vouched`: the caller stands for a new phone or e-mail (an admin typing it in), so it is proven; otherwise
    (a till filling a missing one) it stays unproven until a login code sent there comes back."""
    member = get(session, business_id=business.id, member_id=member_id)
    if member.status == "erased":
        raise Refused("member_erased", "This member's data was erased: there is nothing left to change.")
    unique_changed = False
    for name, value in changes.items():
        if name == "phone":
            member.phone = normalise_phone(value, business.country)
            member.phone_verified_at = now() if vouched else None
            unique_changed = True
        elif name == "email":
            member.email = normalise_email(value)
            member.email_verified_at = now() if member.email and vouched else None
            unique_changed = True
        elif name == "member_number":
            member.member_number = normalise_member_number(value)
            unique_changed = True
        elif name in ("first_name", "last_name"):
            setattr(member, name, normalise_name(value, name))
        elif name == "birthday":
            member.birthday = value
        elif name == "attributes":
            member.attributes = member_attributes.merged(member.attributes, value or {})
        elif name == "language":  # None: the business's
            member.language = None if value is None else i18n.checked(value, "language")
        elif name == "tags":
            member.tags = normalise_tags(value)
        elif name == "status":
            if value not in STATUSES:
                raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")
            if member.status == "pending" and value == "active":
                activate(session, business=business, member=member, actor=actor, at=now())  # an admin vouches
            member.status = value
        elif name == "consent":
            before = consents.current(member)
            for column, flag in _consent_columns(value).items():
                setattr(member, column, flag)
            consents.log_changes(
                session,
                business_id=business.id,
                member_id=member.id,
                before=before,
                after=consents.current(member),
                source=consent_source,
                at=now(),
            )
        else:
            raise InvalidInput(name, "cannot be changed here")
    if member.phone is None and member.email is None:  # only an erased member has neither, and is not changed here
        raise InvalidInput("email", "a member needs a phone number or an e-mail address")
    if unique_changed:
        _refuse_duplicates(session, member)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise MemberExists(_clashing_field(session, member) or "phone") from None
    record(
        session,
        business.id,
        actor=actor,
        action="member.update",
        obj=member,
        details={"fields": sorted(changes)},  # names only: the audit trail keeps no contact details
    )
    record_event(session, business.id, "member.updated", payloads.member(member, changed=changes))
    return member


def forget(member: Member, *, at: datetime) -> None:
    """Remove everything that says who the member was (their data erased at their request): what is left is an
    account that the ledger and the purchases still point at, which no identifier finds."""
    member.status = "erased"
    member.erased_at = at
    member.first_name = ""
    member.last_name = ""
    member.phone = None
    member.email = None
    member.phone_verified_at = None
    member.email_verified_at = None
    member.birthday = None
    member.member_number = None
    member.external_id = None
    member.tags = []
    member.consent_terms = member.consent_sms = member.consent_email = False


def _consent_columns(consent: Mapping[str, bool]) -> dict[str, bool]:
    for key in consent:
        if key not in CONSENTS:
            raise InvalidInput(f"consent.{key}", f"is not a consent; the consents are {', '.join(CONSENTS)}")
    return {f"consent_{key}": bool(value) for key, value in consent.items()}


def _refuse_duplicates(session: Session, member: Member) -> None:
    """A readable 409 naming the field; the unique indexes still decide between concurrent registrations."""
    field = _clashing_field(session, member)
    if field:
        raise MemberExists(field)


def _clashing_field(session: Session, member: Member) -> str | None:
    for field in ("phone", "email", "member_number"):
        value = getattr(member, field)
        if value is None:
            continue
        query = select(Member.id).where(Member.business_id == member.business_id, getattr(Member, field) == value)
        if member.id is not None:
            query = query.where(Member.id != member.id)
        with session.no_autoflush:
            if session.scalar(query.limit(1)) is not None:
                return field
    return None


def _insert(session: Session, member: Member) -> None:
    # A savepoint, so that a concurrent registration's unique violation becomes a 409 and not a broken transaction.
    try:
        with session.begin_nested():
            session.add(member)
            session.flush()
    except IntegrityError:
        if member in session:
            session.expunge(member)
        field = _clashing_field(session, _probe(member)) or "phone"
        raise MemberExists(field) from None


def _probe(member: Member) -> Member:
    return Member(
        business_id=member.business_id, phone=member.phone, email=member.email, member_number=member.member_number
    )
