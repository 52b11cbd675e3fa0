"""Where the member app's one-time login codes go, chosen by LOYALTY_NOTIFIER:

- `console` (development): the code is printed on the server's stderr, beside the masked phone number;
- `smtp://user:password@host:587` or `smtps://…:465`: an e-mail from LOYALTY_SMTP_FROM to the member's address;
- `file:///path/outbox.jsonl`: one JSON line per code, appended to a file. For tests and local tools, since a
  test cannot read the memory of the server process it drives.
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


@dataclass(frozen=True)
class ExpiryReminder:
    """Points about to expire, told to a member once per batch of lots (`loyalty expire` sends these)."""

    business_id: str
    business_name: str
    member_id: str
    phone: str  # E.164
    email: str | None
    points: str  # expiring first, on `expires_on`
    expires_on: str  # the business's local date, in words: "31 March 2027"
    total_points: str  # all the points this reminder is about
    kind: str = "expiry_reminder"


Message = LoginCode | ExpiryReminder


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...


def _subject(message: Message) -> str:
    if isinstance(message, ExpiryReminder):
        return f"{message.points} {message.business_name} points expire on {message.expires_on}"
    return f"Your {message.business_name} login code: {message.code}"


def _text(message: Message) -> str:
    if isinstance(message, ExpiryReminder):
        return (
            f"{message.points} of your {message.business_name} points expire on {message.expires_on}.\n"
            "Spend them before then: points are taken in order of expiry, so the next ones you spend are these."
        )
    return (
        f"Your {message.business_name} login code is {message.code}.\n"
        f"It works once, for {message.minutes} minutes. If you did not ask for it, ignore this message."
    )


class ConsoleNotifier:
    def send(self, message: Message) -> None:
        if isinstance(message, ExpiryReminder):
            print(f"[loyalty] to {mask_phone(message.phone)}: {_subject(message)}", file=sys.stderr, flush=True)
            return
        # Printed, not logged: the log level may hide it, and a developer is waiting for it.
        print(
            f"[loyalty] login code for {mask_phone(message.phone)} at {message.business_name}: {message.code}",
            file=sys.stderr,
            flush=True,
        )


class FileOutbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: Message) -> None:
        line = json.dumps({"at": now().isoformat(), **asdict(message)})
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


def make(settings: Settings) -> Notifier:
    """The notifier LOYALTY_NOTIFIER names; SettingsInvalid for anything else, at start."""
    choice = settings.notifier.strip()
    if choice == "console":
        return ConsoleNotifier()
    if choice.startswith(("smtp://", "smtps://")):
        return SmtpNotifier(choice, settings.smtp_from)
    if choice.startswith("file://"):
        path = Path(unquote(urlsplit(choice).path))
        if not path.parent.is_dir():
            raise SettingsInvalid(f"LOYALTY_NOTIFIER: the folder {path.parent} does not exist")
        return FileOutbox(path)
    raise SettingsInvalid("LOYALTY_NOTIFIER must be console, an smtp:// or smtps:// URL, or file:///path")


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
