"""Logs never carry a key or a full phone number."""

from __future__ import annotations

import json
import logging

from loyalty.logs import JsonFormatter, redact


def test_keys_and_phone_numbers_are_redacted() -> None:
    text = redact("key lk_admin_AbC-123_xyz called for +41 79 555 01 67")
    assert "AbC" not in text and "555 01" not in text
    assert text.endswith("•••67")


def test_a_log_line_is_one_json_object_without_secrets() -> None:
    record = logging.LogRecord("loyalty.test", logging.INFO, __file__, 1, "member %s", ("+41795550167",), None)
    record.key = "lk_pos_secret"
    line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert parsed["level"] == "info"
    assert "5550167" not in line and "secret" not in line
