"""Logs mask phone numbers, e-mail addresses and keys, and nothing else: times, dates, ids and amounts stay."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from loyalty.logs import JsonFormatter, redact


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("for +41 79 555 01 67", "for •••67"),
        ("for +41795550167.", "for •••67."),
        ("typed 079 555 01 67 at the till", "typed •••67 at the till"),
        ("typed (044) 555-0167", "typed •••67"),
        ("from ada.lovelace+till@example.co.uk", "from •••@example.co.uk"),
        ("key lk_pos_AbC-123_xyz used", "key lk_••• used"),
    ],
)
def test_phones_emails_and_keys_are_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-30T06:41:11.123+00:00",
        "at 2026-11-30 06:41:11",
        "purchase 123e4567-e89b-12d3-a456-426614174000 confirmed",
        "transaction T-mx2yoy7t-9566a1c5f2aa",
        "qr 8pJU77V-0795550167jutlwG5e3Hjd9vCCpExqR",
        "total 1234567.50 in 12.5 ms, status 201",
        "code 4821 expires in 300 s",
    ],
)
def test_times_dates_ids_and_amounts_stay_readable(text: str) -> None:
    assert redact(text) == text


def test_a_log_line_keeps_its_time_and_ids_and_masks_the_member(caplog: pytest.LogCaptureFixture) -> None:
    purchase_id = uuid.uuid4()
    record = logging.LogRecord(
        "loyalty.test", logging.INFO, __file__, 1, "member %s bought %s", ("+41795550167", purchase_id), None
    )
    record.email = "ada@example.com"
    parsed = json.loads(JsonFormatter().format(record))
    assert parsed["message"] == f"member •••67 bought {purchase_id}"
    assert parsed["email"] == "•••@example.com"
    assert parsed["at"].startswith("20") and "•" not in parsed["at"]
