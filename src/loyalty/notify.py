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
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from loyalty import sms
from loyalty.db.models import now
from loyalty.members import mask_phone
from loyalty.settings import Settings, SettingsInvalid

log = logging.getLogger("loyalty.notify")


@dataclass(frozen=True)
class LoginCode:
    """A one-time code on its way to a member."""

    business_id: str
    business_name: str
    member_id: str
    phone: str  # E.164
    email: str | None
    code: str
    minutes: int  # how long it stays valid
    channel: str = "email"  # "sms" (to `phone`) or "email" (to `email`)

    @property
    def address(self) -> str:
        return (self.phone if self.channel == "sms" else self.email) or ""


class Notifier(Protocol):
    def send(self, message: LoginCode) -> None: ...


def _text(message: LoginCode) -> str:
    return (
        f"Your {message.business_name} login code is {message.code}.\n"
        f"It works once, for {message.minutes} minutes. If you did not ask for it, ignore this message."
    )


def _sms_text(message: LoginCode) -> str:
    # Short enough for one SMS segment; the code first, for phones that offer to fill it in.
    return f"{message.code} is your {message.business_name} login code. It works once, for {message.minutes} minutes."


def _masked(message: LoginCode) -> str:
    if message.channel == "sms":
        return mask_phone(message.phone)
    name, _, domain = (message.email or "").partition("@")
    return f"{name[:1]}•••@{domain}"


class ConsoleNotifier:
    def send(self, message: LoginCode) -> None:
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

    def send(self, message: LoginCode) -> None:
        line = json.dumps({"at": now().isoformat(), **asdict(message), "address": message.address})
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

    def send(self, message: LoginCode) -> None:
        if message.channel != "email":
            log.error("login code not sent: SMTP carries e-mail only; set LOYALTY_SMS_GATEWAY")
            return
        if not message.email:
            log.warning("login code not sent: the member has no e-mail address", extra={"member": message.member_id})
            return
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.email
        mail["Subject"] = f"Your {message.business_name} login code: {message.code}"
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

    def send(self, message: LoginCode) -> None:
        if message.channel != "sms":
            log.error("login code not sent: the SMS gateway carries text messages only")
            return
        self.gateway.send(sms.TextMessage(message.phone, _sms_text(message), message.business_id, message.member_id))


class Unsent:
    """A channel with no route: the code is not sent, and the log says why."""

    def __init__(self, why: str) -> None:
        self.why = why

    def send(self, message: LoginCode) -> None:
        log.error("login code not sent: %s", self.why, extra={"member": message.member_id})


class Channels:
    """Each code to the route of its channel."""

    def __init__(self, *, email: Notifier, sms: Notifier) -> None:
        self.email = email
        self.sms = sms

    def send(self, message: LoginCode) -> None:
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


def deliver(notifier: Notifier, message: LoginCode) -> None:
    """Send, and log a failure instead of raising: the member's answer was already sent (and must not differ)."""
    try:
        notifier.send(message)
    except Exception:  # a mail server's failure must not reach the member
        log.exception("login code could not be sent", extra={"member": message.member_id})
