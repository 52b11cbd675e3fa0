"""Where login codes go: the console in development, e-mail over SMTP, a file for tests."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from loyalty.messages import notify
from loyalty.settings import Settings, SettingsInvalid

MESSAGE = notify.LoginCode(
    business_id="b",
    business_name="Cinema Lumière",
    member_id="m",
    phone="+41791234567",
    email="ada@example.com",
    code="123456",
    minutes=10,
)


def notifier(value: str) -> notify.Notifier:
    return notify.make(Settings(notifier=value, smtp_from="rewards@cinema.example"))


def test_the_console_prints_the_code_beside_a_masked_phone(capsys: pytest.CaptureFixture[str]) -> None:
    notifier("console").send(replace(MESSAGE, channel="sms"))
    printed = capsys.readouterr().err
    assert "123456" in printed and "+41 •• ••• •• 67" in printed and "123 45 67" not in printed
    assert "by sms" in printed


def test_the_file_outbox_appends_one_json_line_per_code(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    sender = notifier(f"file://{outbox}")
    sender.send(MESSAGE)
    sender.send(MESSAGE)
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [line["code"] for line in lines] == ["123456", "123456"] and lines[0]["phone"] == "+41791234567"


def test_an_unknown_notifier_or_a_missing_folder_stops_the_start(tmp_path: Path) -> None:
    for value in ("sms", "http://mail.example", f"file://{tmp_path}/missing/outbox.jsonl", "smtp://"):
        with pytest.raises(SettingsInvalid):
            notifier(value)


class FakeSMTP:
    sent: ClassVar[list[Any]] = []
    calls: ClassVar[list[str]] = []

    def __init__(self, host: str, port: int, timeout: float = 0, context: Any = None) -> None:
        self.calls.append(f"connect {host}:{port}")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def starttls(self, context: Any = None) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}:{password}")

    def send_message(self, message: Any) -> None:
        self.sent.append(message)


def test_smtp_sends_an_email_with_starttls_and_login(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSMTP.sent, FakeSMTP.calls = [], []
    monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
    notifier("smtp://mailer:s%40cret@mail.example:2525").send(MESSAGE)
    assert FakeSMTP.calls == ["connect mail.example:2525", "starttls", "login mailer:s@cret", "quit"]
    mail = FakeSMTP.sent[0]
    assert mail["To"] == "ada@example.com" and mail["From"] == "rewards@cinema.example"
    assert "123456" in mail["Subject"] and "10 minutes" in mail.get_content()


def test_smtp_skips_a_member_without_an_email_and_a_failure_is_only_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    FakeSMTP.sent, FakeSMTP.calls = [], []
    monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
    sender = notifier("smtp://mail.example")
    sender.send(notify.LoginCode(**{**MESSAGE.__dict__, "email": None}))
    assert FakeSMTP.calls == []

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(notify.smtplib, "SMTP", broken)
    notify.deliver(sender, MESSAGE)  # must not raise: the member's answer was already sent
    assert "login code could not be sent" in caplog.text
