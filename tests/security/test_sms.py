"""The SMS channel: a Twilio-compatible API and a generic webhook, each against a local HTTP sink; the
development routes name the channel and the address."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.messages import notify, sms
from loyalty.settings import Settings, SettingsInvalid
from tests.conftest import Tenant, make_tenant
from tests.security.sink import Sink, http_sink

MESSAGE = notify.LoginCode(
    business_id="b",
    business_name="Cinema Lumière",
    member_id="m",
    phone="+41791234567",
    email="ada@example.com",
    code="123456",
    minutes=10,
    channel="sms",
)


@pytest.fixture
def sink() -> Iterator[Sink]:
    with http_sink() as running:
        yield running


def route(**settings: str) -> notify.Notifier:
    return notify.make(Settings(**settings))  # type: ignore[arg-type]


def test_a_twilio_compatible_gateway_is_sent_the_form_twilio_expects(sink: Sink) -> None:
    route(sms_gateway=f"twilio+http://AC123:s%40cret@{sink.url}/?from=%2B41445551234").send(MESSAGE)
    [request] = sink.received
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"AC123:s@cret").decode()
    form = parse_qs(request.body.decode())
    assert form["To"] == ["+41791234567"] and form["From"] == ["+41445551234"]
    assert form["Body"][0].startswith("123456 is your Cinema Lumière login code")


def test_a_webhook_gateway_is_posted_json(sink: Sink) -> None:
    route(sms_gateway=f"webhook+http://hook:pw@{sink.url}/send?tenant=1").send(MESSAGE)
    [request] = sink.received
    assert request.path == "/send?tenant=1" and request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"hook:pw").decode()
    body = json.loads(request.body)
    assert body["to"] == "+41791234567" and "123456" in body["text"] and body["member_id"] == "m"


def test_a_gateway_that_refuses_is_logged_not_raised_to_the_member(
    sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    sink.status = 500
    sender = route(sms_gateway=f"webhook+http://{sink.url}/send")
    with pytest.raises(sms.SmsNotSent):
        sender.send(MESSAGE)
    with caplog.at_level(logging.ERROR, logger="loyalty.messages.notify"):
        notify.deliver(sender, MESSAGE)
    assert "could not be sent" in caplog.text


def test_an_email_code_never_goes_to_the_sms_gateway_nor_an_sms_code_to_smtp(
    sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    sender = route(notifier="smtp://mail.example:2525", sms_gateway=f"webhook+http://{sink.url}/send")
    with caplog.at_level(logging.ERROR, logger="loyalty.messages.notify"):
        route(notifier="smtp://mail.example:2525").send(MESSAGE)  # no gateway: not sent, and said so
    assert "LOYALTY_SMS_GATEWAY" in caplog.text
    assert isinstance(sender, notify.Channels) and isinstance(sender.email, notify.SmtpNotifier)
    sender.send(MESSAGE)
    assert len(sink.received) == 1


def test_the_file_outbox_and_the_console_name_the_channel_and_the_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outbox = tmp_path / "outbox.jsonl"
    sender = route(notifier=f"file://{outbox}")
    sender.send(MESSAGE)
    sender.send(replace(MESSAGE, channel="email"))
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert [(line["channel"], line["address"]) for line in lines] == [
        ("sms", "+41791234567"),
        ("email", "ada@example.com"),
    ]
    route(notifier="console").send(replace(MESSAGE, channel="email"))
    assert "by email to a•••@example.com" in capsys.readouterr().err


@pytest.mark.parametrize(
    "value",
    [
        "twilio+https://api.twilio.com/",
        "twilio+https://AC1:tok@api.twilio.com/",
        "sms://x",
        "webhook+https://",
        "ftp://x",
    ],
)
def test_a_gateway_setting_that_cannot_work_stops_the_start(value: str) -> None:
    with pytest.raises(SettingsInvalid):
        route(sms_gateway=value)


def test_joining_through_the_api_sends_the_code_through_the_gateway_and_it_proves_the_phone(
    sink: Sink, settings: Settings, db: Database
) -> None:
    app = create_app(settings, db=db)
    app.state.notifier = route(sms_gateway=f"twilio+http://AC1:tok@{sink.url}/?from=%2B41445551234")
    with TestClient(app, raise_server_exceptions=False) as client:
        shop: Tenant = make_tenant(db, client)
        body = {
            "phone": "078 555 40 40",
            "first_name": "Grace",
            "email": "grace@example.com",
            "consent": {"terms": True},
        }
        assert client.post(f"/v1/app/{shop.business_id}/register", json=body).status_code == 202
        [request] = sink.received
        form = parse_qs(request.body.decode())
        assert form["To"] == ["+41785554040"]
        code = form["Body"][0].split()[0]
        verified = client.post(
            f"/v1/app/{shop.business_id}/login/verify", json={"phone": "078 555 40 40", "code": code}
        )
        assert verified.status_code == 200, verified.text
        found = client.post("/v1/identify", json={"phone": "078 555 40 40"}, headers=shop.pos)
        assert found.status_code == 200 and found.json()["first_name"] == "Grace"
