"""Expiry reminders in words, on their way to the notifier: "12 points expire on 31 March 2027"."""

from __future__ import annotations

from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import Business, Member
from loyalty.i18n import reader
from loyalty.members import member_login
from loyalty.members.accounts import format_points
from loyalty.messages import notify
from loyalty.wallet.lots.expiry import Reminder


class Sender:
    """Turns a Reminder into the notifier's message, reading the member's contact details."""

    def __init__(self, db: Database, notifier: notify.Notifier) -> None:
        self.db = db
        self.notifier = notifier

    def send(self, reminder: Reminder) -> None:
        with self.db.read() as session:
            business = session.get(Business, reminder.business_id)
            member = scoped.get(session, Member, reminder.member_id, business_id=reminder.business_id)
            assert business is not None and member is not None
            channel = member_login.destination(member, "email", business)  # texts only to its countries
            if channel is None:
                return  # told only where the member proved they are
            speech = reader.speech_for(business, member.language)  # the member's language, else the business's
            message = notify.ExpiryReminder(
                business_id=str(business.id),
                business_name=business.name,
                member_id=str(member.id),
                phone=member.phone,
                email=member.email,
                points=format_points(business, reminder.points),
                expires_on=speech.last_day(reminder.expires_at, business.timezone),
                total_points=format_points(business, reminder.total_points),
                channel=channel,
                language=speech.language,
                country=business.country,
            )
        notify.deliver(self.notifier, message)
