"""Where the member app's one-time login codes go. A code travels on one channel, to one address: "sms" to the
member's phone, or "email" to their e-mail address. LOYALTY_NOTIFIER chooses the e-mail route:

- `console` (development): the code is printed on the server's stderr, with the channel and the masked address;
- `smtp://user:password@host:587` or `smtps://…:465`: an e-mail from LOYALTY_SMTP_FROM to the member's address;
- `file:///path/outbox.jsonl`: one JSON line per code (with `channel` and `address`), appended to a file. For
  tests and local tools, since a test cannot read the memory of the server process it drives.

LOYALTY_SMS_GATEWAY chooses the SMS route: `console`, `file:///…`, or an HTTP gateway (`loyalty.sms`). Left
empty, text messages take the LOYALTY_NOTIFIER route when that is console or file (development), and are not
sent (an error in the log) when it is SMTP.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import sys
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from loyalty.db.models import now
from loyalty.i18n import Speech
from loyalty.members.accounts import mask_phone
from loyalty.messages import sms
from loyalty.settings import Settings, SettingsInvalid

log = logging.getLogger("loyalty.messages.notify")


@dataclass(frozen=True)
class LoginCode:
    """A one-time code on its way to a member."""

    business_id: str
    business_name: str
    member_id: str
    phone: str | None  # E.164
    email: str | None
    code: str
    minutes: int  # how long it stays valid
    channel: str = "email"  # "sms" (to `phone`) or "email" (to `email`)
    language: str = "en"  # the member's (else the business's): what the text is written in
    country: str = "CH"  # the business's: how numbers and dates are written

    @property
    def address(self) -> str:
        return (self.phone if self.channel == "sms" else self.email) or ""


@dataclass(frozen=True)
class ExpiryReminder:
    """Points about to expire, told to a member once per batch of lots (`loyalty expire` sends these)."""

    business_id: str
    business_name: str
    member_id: str
    phone: str | None  # E.164
    email: str | None
    points: str  # expiring first, on `expires_on` (as the API writes points; the text writes them as the locale does)
    expires_on: str  # the business's local date, in words in the member's language: "31 March 2027"
    total_points: str  # all the points this reminder is about
    kind: str = "expiry_reminder"
    channel: str = "email"  # "sms" (to `phone`) or "email" (to `email`): one the member proved
    language: str = "en"  # the member's (else the business's): what the text is written in
    country: str = "CH"

    @property
    def address(self) -> str:
        return (self.phone if self.channel == "sms" else self.email) or ""


Message = LoginCode | ExpiryReminder


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...


def _speech(message: Message) -> Speech:
    return Speech.of(message.language, message.country)


def _points(speech: Speech, points: str) -> str:
    """ "5.00" as the member's locale writes it ("5,00" in French)."""
    try:
        return (
            speech.plain(Decimal(points))
            if "." not in points
            else speech.number(Decimal(points), len(points.split(".")[1]))
        )
    except (InvalidOperation, ValueError):
        return points


def _subject(message: Message) -> str:
    speech = _speech(message)
    tr = speech.tr
    if isinstance(message, ExpiryReminder):
        return tr(
            "{points} {business} points expire on {day}",
            points=_points(speech, message.points),
            business=message.business_name,
            day=message.expires_on,
        )
    return tr("Your {business} login code: {code}", business=message.business_name, code=message.code)


def _text(message: Message) -> str:
    speech = _speech(message)
    tr = speech.tr
    if isinstance(message, ExpiryReminder):
        first = tr(
            "{points} of your {business} points expire on {day}.",
            points=_points(speech, message.points),
            business=message.business_name,
            day=message.expires_on,
        )
        then = tr("Spend them before then: points are taken in order of expiry, so the next ones you spend are these.")
        return f"{first}\n{then}"
    first = tr("Your {business} login code is {code}.", business=message.business_name, code=message.code)
    then = tr(
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this message.",
        minutes=message.minutes,
    )
    return f"{first}\n{then}"


def _sms_text(message: Message) -> str:
    speech = _speech(message)
    tr = speech.tr
    if isinstance(message, ExpiryReminder):
        return tr(
            "{points} of your {business} points expire on {day}.",
            points=_points(speech, message.points),
            business=message.business_name,
            day=message.expires_on,
        )
    # Short enough for one SMS segment; the code first, for phones that offer to fill it in.
    return tr(
        "{code} is your {business} login code. It works once, for {minutes} minutes.",
        code=message.code,
        business=message.business_name,
        minutes=message.minutes,
    )


def sent_text(message: Message) -> str:
    """The words that reach the member on the message's channel: the text message, or the e-mail's body."""
    return _sms_text(message) if message.channel == "sms" else _text(message)


def _masked(message: Message) -> str:
    if message.channel == "sms":
        return mask_phone(message.phone or "")
    name, _, domain = (message.email or "").partition("@")
    return f"{name[:1]}•••@{domain}"


class ConsoleNotifier:
    def send(self, message: Message) -> None:
        if isinstance(message, ExpiryReminder):
            print(
                f"[loyalty] {message.channel} to {_masked(message)}: {_subject(message)}", file=sys.stderr, flush=True
            )
            return
        # Printed, not logged: the log level may hide it, and a developer is waiting for it.
        print(
            f"[loyalty] login code by {message.channel} to {_masked(message)} at {message.business_name}: "
            f"{message.code}",
            file=sys.stderr,
            flush=True,
        )


class FileOutbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: Message) -> None:
        # With the words sent, in the member's language: what a developer (and a test) checks reached them.
        words = {"address": message.address, "subject": _subject(message), "text": sent_text(message)}
        line = json.dumps({"at": now().isoformat(), **asdict(message), **words})
        # One write on an O_APPEND descriptor: lines from concurrent workers do not interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)


class SmtpNotifier:
    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise SettingsInvalid("LOYALTY_NOTIFIER: an SMTP URL needs a host, e.g. smtp://user:pass@mail.example:587")
        self.secure = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.secure else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    def send(self, message: Message) -> None:
        if message.channel != "email":
            log.error("message not sent: SMTP carries e-mail only; set LOYALTY_SMS_GATEWAY")
            return
        if not message.email:
            log.warning("message not sent: the member has no e-mail address", extra={"member": message.member_id})
            return
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.email
        mail["Subject"] = _subject(message)
        mail.set_content(_text(message))
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.secure:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=20, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=20)
        with smtp:
            if not self.secure and self.port != 25:
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(mail)


class SmsNotifier:
    """Text messages through an HTTP gateway (`loyalty.sms`)."""

    def __init__(self, gateway: sms.TwilioSms | sms.WebhookSms) -> None:
        self.gateway = gateway

    def send(self, message: Message) -> None:
        if message.channel != "sms" or message.phone is None:
            log.error("message not sent: the SMS gateway carries text messages to a phone only")
            return
        self.gateway.send(sms.TextMessage(message.phone, _sms_text(message), message.business_id, message.member_id))


class Unsent:
    """A channel with no route: the code is not sent, and the log says why."""

    def __init__(self, why: str) -> None:
        self.why = why

    def send(self, message: Message) -> None:
        log.error("message not sent: %s", self.why, extra={"member": message.member_id})


class Channels:
    """Each code to the route of its channel."""

    def __init__(self, *, email: Notifier, sms: Notifier) -> None:
        self.email = email
        self.sms = sms

    def send(self, message: Message) -> None:
        (self.sms if message.channel == "sms" else self.email).send(message)


def _outbox(choice: str, setting: str) -> FileOutbox:
    path = Path(unquote(urlsplit(choice).path))
    if not path.parent.is_dir():
        raise SettingsInvalid(f"{setting}: the folder {path.parent} does not exist")
    return FileOutbox(path)


def _email_route(choice: str, settings: Settings) -> Notifier:
    if choice == "console":
        return ConsoleNotifier()
    if choice.startswith(("smtp://", "smtps://")):
        return SmtpNotifier(choice, settings.smtp_from)
    if choice.startswith("file://"):
        return _outbox(choice, "LOYALTY_NOTIFIER")
    raise SettingsInvalid("LOYALTY_NOTIFIER must be console, an smtp:// or smtps:// URL, or file:///path")


def _sms_route(choice: str, email: Notifier) -> Notifier:
    if not choice:
        if isinstance(email, ConsoleNotifier | FileOutbox):
            return email  # development: one console or one outbox file for both channels
        return Unsent("no SMS gateway is set (LOYALTY_SMS_GATEWAY)")
    if choice == "console":
        return ConsoleNotifier()
    if choice.startswith("file://"):
        return _outbox(choice, "LOYALTY_SMS_GATEWAY")
    return SmsNotifier(sms.gateway(choice))


def make(settings: Settings) -> Notifier:
    """The routes LOYALTY_NOTIFIER and LOYALTY_SMS_GATEWAY name; SettingsInvalid for anything else, at start."""
    email = _email_route(settings.notifier.strip(), settings)
    return Channels(email=email, sms=_sms_route(settings.sms_gateway.strip(), email))


def deliver(notifier: Notifier, message: Message) -> None:
    """Send, and log a failure instead of raising: the member's answer was already sent (and must not differ)."""
    try:
        notifier.send(message)
    except Exception:  # a mail server's failure must not reach the member
        log.exception(
            "%s could not be sent",
            "login code" if isinstance(message, LoginCode) else "expiry reminder",
            extra={"member": message.member_id},
        )
