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

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.models import ApiKey, Business, LoginCode, Member
from loyalty.errors import InvalidInput
from loyalty.members import access, texting
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
    session: Session, *, business: Business, member: Member | None, asked_by: str = "phone", at: datetime
) -> Sent | None:
    """A fresh code for `member`, replacing any earlier one; None (nothing to send) when there is no member, no
    proven place to send it to, or the member was already sent MAX_CODES_PER_HOUR codes in the last hour."""
    if member is None:
        return None
    channel = destination(member, asked_by, business)
    if channel is None:
        return None
    recent = session.scalar(
        select(func.count())
        .select_from(LoginCode)
        .where(
            LoginCode.business_id == business.id,
            LoginCode.member_id == member.id,
            LoginCode.created_at > at - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_CODES_PER_HOUR:
        return None
    session.execute(
        update(LoginCode)
        .where(LoginCode.business_id == business.id, LoginCode.member_id == member.id, LoginCode.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(
        LoginCode(
            business_id=business.id,
            member_id=member.id,
            code_hash=_digest(business.id, member.id, code),
            created_at=at,
            expires_at=at + CODE_LIFETIME,
            channel=channel,
        )
    )
    session.flush()
    return Sent(member, code, int(CODE_LIFETIME.total_seconds() // 60), channel)


def verify(session: Session, *, business: Business, member: Member | None, code: str, at: datetime) -> LoggedIn | None:
    """A member key for the right code; None for a wrong, expired, used or exhausted one (one try is spent)."""
    if member is None:
        return None
    live = session.scalar(
        select(LoginCode)
        .where(
            LoginCode.business_id == business.id,
            LoginCode.member_id == member.id,
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
    if not hmac.compare_digest(live.code_hash, _digest(business.id, member.id, code.strip())):
        return None
    used = session.execute(
        update(LoginCode)
        .where(LoginCode.business_id == business.id, LoginCode.id == live.id, LoginCode.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None  # a concurrent request with the same code won
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
