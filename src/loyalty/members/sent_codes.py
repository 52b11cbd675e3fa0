"""One-time codes a till has sent to a member's phone or e-mail (to identify them, or to confirm a payment).

A code sent is an identification code (`identification.issue_code`): it works once as the app's short code. A till
may send a member at most MAX_PER_HOUR of them, so that a leaked till key cannot flood someone's phone; each one
sent is in the audit trail, which is also what the limit counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.audit import record
from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, Business, Member, now
from loyalty.errors import Forbidden, LoyaltyError
from loyalty.members import access, identification, member_login
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.messages import notify

MAX_PER_HOUR = 5
ACTION = "member.code_sent"


class TooManyCodes(LoyaltyError):
    code = "too_many_codes"

    def __init__(self) -> None:
        super().__init__(f"This member was already sent {MAX_PER_HOUR} codes in the last hour; try again later.")


def send(
    session: Session, *, business: Business, member: Member, purpose: str, actor: str, at: datetime, asked_by: str
) -> tuple[identification.IssuedCode, str]:
    """A fresh code for the member and the channel it goes by ("sms" or "email"; the caller delivers it after
    the commit). Only a phone or address the member proved receives it, preferring the one the till named
    (`asked_by`: "phone" or "email"); with none proven the member is not found, as at the till. TooManyCodes past
    the hourly limit."""
    channel = member_login.destination(member, asked_by, business)
    if channel is None:
        raise members.MemberNotFound()
    if sent_lately(session, business_id=business.id, member_id=member.id, at=at) >= MAX_PER_HOUR:
        raise TooManyCodes()
    issued = identification.issue_code(session, business=business, member_id=member.id, at=at)
    record(session, business.id, actor=actor, action=ACTION, obj=member, details={"purpose": purpose})
    return issued, channel


def sent_lately(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID, at: datetime) -> int:
    query = select(func.count()).where(
        AuditRecord.business_id == business_id,
        AuditRecord.action == ACTION,
        AuditRecord.object_id == str(member_id),
        AuditRecord.at > at - timedelta(hours=1),
    )
    return session.scalar(query) or 0


def message(business: Business, member: Member, sent: tuple[identification.IssuedCode, str]) -> notify.LoginCode:
    """The text or e-mail that carries a sent code, delivered by the door after the commit."""
    issued, channel = sent
    return notify.LoginCode(
        business_id=str(business.id),
        business_name=business.name,
        member_id=str(member.id),
        phone=member.phone,
        email=member.email,
        code=issued.code,
        minutes=max(1, business.identification_code_ttl_seconds // 60),
        channel=channel,
        language=member.language or business.language,
        country=business.country,
    )


def send_to(db: Database, who: Principal, way: str, value: str) -> notify.LoginCode:
    """A till asks for a code to be sent to the member its phone or e-mail names (Como `sendIdentificationCode`):
    only to an active member, only to a contact they proved. MemberNotFound otherwise."""
    if who.kind != "pos":
        raise Forbidden("forbidden", "Codes are sent at a till's request, with a pos key.")

    def work(session: Session) -> notify.LoginCode | None:
        business = access.business(session, who.business_id)
        member = members.find_by(session, business=business, field=way, value=value)
        if member is None or member.status != "active":
            return None
        sent = send(
            session, business=business, member=member, purpose="identify", actor=who.actor, at=now(), asked_by=way
        )
        return message(business, member, sent)

    found = db.write(work)
    if found is None:
        raise members.MemberNotFound()
    return found
