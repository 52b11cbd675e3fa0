"""The member app's login: a one-time code sent to the member, exchanged for a member key.

A code goes only where the member has proven they are: by SMS to a proven phone, by e-mail to a proven address
(proven by an earlier code that came back, or vouched for by staff). The one exception is a member who joined in
the app and has proven nothing yet: their code goes by SMS to the phone they joined with, which is what it proves.
So typing someone else's phone or address never brings their code to you, and an e-mail address attached to an
account by whoever joined with it never receives that account's codes until it has proven itself.

The answer to "send me a code" is the same whether or not the member exists, so the app cannot be used to learn
who is a member. A code works once, for CODE_LIFETIME, and for at most MAX_ATTEMPTS tries: each try is counted
by a guarded UPDATE before the code is compared, so concurrent guesses cannot get past the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.models import ApiKey, Business, LoginCode, Member
from loyalty.errors import InvalidInput
from loyalty.members import access, claims, texting
from loyalty.members import accounts as members

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# A member can be sent at most this many codes an hour: the app cannot be used to flood someone's inbox,
# and MAX_ATTEMPTS × MAX_CODES_PER_HOUR guesses an hour against a million codes is a negligible chance.
MAX_CODES_PER_HOUR = 5
SESSION_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class Sent:
    member: Member
    code: str
    minutes: int
    channel: str  # "sms" or "email"


def destination(member: Member, asked_by: str, business: Business | None = None) -> str | None:
    """The channel a code for `member` may take ("sms" or "email"), preferring the one the member typed
    (`asked_by`: "phone" or "email"); None when the member has proven neither. With `business`, a text goes only to
    a number of the countries it texts (`texting`)."""
    phone_ok = member.phone is not None and (member.phone_verified_at is not None or member.status == "pending")
    if phone_ok and business is not None:
        phone_ok = texting.may_text(business, member.phone)
    email_ok = member.email is not None and member.email_verified_at is not None
    order = (
        [("email", email_ok), ("sms", phone_ok)] if asked_by == "email" else [("sms", phone_ok), ("email", email_ok)]
    )
    return next((channel for channel, ok in order if ok), None)


@dataclass(frozen=True)
class LoggedIn:
    key: str
    api_key: ApiKey
    member: Member


def _digest(business_id: uuid.UUID, member_id: uuid.UUID, code: str) -> str:
    return hmac.new(business_id.bytes, f"login:{member_id}:{code}".encode(), hashlib.sha256).hexdigest()


def find(session: Session, *, business: Business, phone: str | None, email: str | None) -> Member | None:
    """The active (or pending: not yet verified) member with this phone or e-mail address, or None. Exactly one
    of the two must be given."""
    if (phone is None) == (email is None):
        raise InvalidInput("phone", "send a phone number or an e-mail address")
    if phone is not None:
        found = members.find_by(session, business=business, field="phone", value=phone)
    else:
        assert email is not None
        found = members.find_by(session, business=business, field="email", value=email)
    return found if found is not None and found.status in ("active", "pending") else None


def send_code(
    session: Session,
    *,
    business: Business,
    member: Member | None,
    asked_by: str = "phone",
    at: datetime,
    given: dict[str, Any] | None = None,
    claim: bool = False,
) -> Sent | None:
    """A fresh code for `member`, replacing any earlier one; None (nothing to send) when there is no member, no
    proven place to send it to, or the member was already sent MAX_CODES_PER_HOUR codes in the last hour.

    `given`: what the person joining gave, for the record they prove. `claim`: a person joining with the member's
    unproven phone: the code goes to that phone, and proving it takes the phone from this record (`claims`)."""
    if member is None:
        return None
    if claim:
        channel: str | None = "sms" if texting.may_text(business, member.phone) else None
    else:
        channel = destination(member, asked_by, business)
    if channel is None or _sent_too_many(session, business, member, at):
        return None
    session.execute(
        update(LoginCode)
        .where(LoginCode.business_id == business.id, LoginCode.member_id == member.id, LoginCode.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return _issue(session, business, member, channel, at, given=given)


def _sent_too_many(session: Session, business: Business, member: Member, at: datetime) -> bool:
    """MAX_CODES_PER_HOUR codes, of either kind, already went to `member` in the last hour."""
    recent = session.scalar(
        select(func.count())
        .select_from(LoginCode)
        .where(
            LoginCode.business_id == business.id,
            LoginCode.member_id == member.id,
            LoginCode.created_at > at - timedelta(hours=1),
        )
    )
    return (recent or 0) >= MAX_CODES_PER_HOUR


def _issue(session: Session, business: Business, member: Member, channel: str, at: datetime, **kept: Any) -> Sent:
    """A new code for `member`, stored hashed with `kept` (what it carries: `given`, or the new `address`)."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        LoginCode(
            business_id=business.id,
            member_id=member.id,
            code_hash=_digest(business.id, member.id, code),
            created_at=at,
            expires_at=at + CODE_LIFETIME,
            channel=channel,
            **kept,
        )
    )
    session.flush()
    return Sent(member, code, int(CODE_LIFETIME.total_seconds() // 60), channel)


def verify(session: Session, *, business: Business, member: Member | None, code: str, at: datetime) -> LoggedIn | None:
    """A member key for the right code; None for a wrong, expired, used or exhausted one (one try is spent)."""
    if member is None:
        return None
    live = spend(session, business=business, member_id=member.id, code=code, address=None, at=at)
    if live is None:
        return None
    if live.channel == "sms" and member.phone is not None and member.phone_verified_at is None:
        member = _prover(session, business=business, member=member, given=live.given, at=at)
    raw, key = access.issue_key(
        session,
        business_id=business.id,
        kind="member",
        name="member app",
        member_id=member.id,
        lifetime=SESSION_LIFETIME,
    )
    record(session, business.id, actor=f"member:{member.id}", action="member.login", obj=key)
    # The right code proves where it went; a member who joined in the app becomes a member once the phone is proven.
    members.prove(session, member=member, channel=live.channel, at=at)
    if live.channel == "sms":
        members.activate(session, business=business, member=member, actor=f"member:{member.id}", at=at)
    return LoggedIn(raw, key, member)


def _prover(
    session: Session, *, business: Business, member: Member, given: dict[str, Any] | None, at: datetime
) -> Member:
    """The record of the person who just proved `member`'s unproven phone: this one when they made it (it holds
    what they gave, or nothing beside the phone), else a new one with the phone and only what they gave, the
    phone taken from this one (which keeps its name and its own e-mail)."""
    phone = member.phone
    assert phone is not None
    if member.status == "pending" and (claims.same_person(member, given) or member.email is None):
        if not claims.same_person(member, given):
            _keep_only(session, business=business, member=member, given=given or {})
        return member
    claims.drop(session, business=business, member=member, field="phone", actor="member-app", at=at)
    data = given or {}
    email = data.get("email")
    if email is not None and members.find_by(session, business=business, field="email", value=email) is not None:
        email = None  # someone's already, proven or not: the prover adds it later by proving it
    return members.register(
        session,
        business=business,
        phone=phone,
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        email=email,
        consent=data.get("consent") or {},
        verified=False,
        actor="member-app",
        at=at,
    )


def _keep_only(session: Session, *, business: Business, member: Member, given: dict[str, Any]) -> None:
    """A record with nothing but an unproven phone and a stranger's name: it becomes the prover's, with theirs."""
    member.first_name = given.get("first_name", "")
    member.last_name = given.get("last_name", "")
    for key in ("terms", "sms", "email"):
        setattr(member, f"consent_{key}", bool((given.get("consent") or {}).get(key, False)))
    email = given.get("email")
    if email is not None and members.find_by(session, business=business, field="email", value=email) is None:
        member.email, member.email_verified_at = email, None
    session.flush()


def spend(
    session: Session, *, business: Business, member_id: uuid.UUID, code: str, address: str | None, at: datetime
) -> LoginCode | None:
    """The member's live code sent to `address` (None: to their own contact), spent when `code` is right; None
    otherwise, with one try counted by a guarded UPDATE before the comparison (concurrent guesses cannot pass)."""
    sent_to = LoginCode.address.is_(None) if address is None else LoginCode.address == address
    live = session.scalar(
        select(LoginCode)
        .where(
            LoginCode.business_id == business.id,
            LoginCode.member_id == member_id,
            sent_to,  # a code sent to a new contact proves that contact, and logs no one in
            LoginCode.used_at.is_(None),
            LoginCode.expires_at > at,
        )
        .order_by(LoginCode.created_at.desc())
        .limit(1)
    )
    if live is None:
        return None
    counted = session.execute(
        update(LoginCode)
        .where(
            LoginCode.business_id == business.id,
            LoginCode.id == live.id,
            LoginCode.used_at.is_(None),
            LoginCode.attempts < MAX_ATTEMPTS,
        )
        .values(attempts=LoginCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        return None
    if not hmac.compare_digest(live.code_hash, _digest(business.id, member_id, code.strip())):
        return None
    used = session.execute(
        update(LoginCode)
        .where(LoginCode.business_id == business.id, LoginCode.id == live.id, LoginCode.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None  # a concurrent request with the same code won
    return live


def send_to_new_contact(
    session: Session, *, business: Business, member: Member, field: str, value: str, at: datetime
) -> Sent | None:
    """A code to `value`, the phone or e-mail address (stored spelling) the member wants instead of theirs; the
    right code back makes it theirs. None past MAX_CODES_PER_HOUR, as for login codes."""
    if _sent_too_many(session, business, member, at):
        return None
    return _issue(session, business, member, "sms" if field == "phone" else "email", at, address=value)
