"""Joining in the member app proves the phone by SMS: the code lands in the file outbox as an SMS to that phone,
and nothing goes to the e-mail address typed beside it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser


def sent(outbox: Path, timeout: float = 10) -> list[dict[str, Any]]:
    """The outbox's lines, once there is at least one (the code is sent after the answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists() and outbox.read_text().strip():
            return [json.loads(line) for line in outbox.read_text().splitlines()]
        time.sleep(0.1)
    raise AssertionError("no login code was sent")


def test_joining_sends_the_code_by_sms_to_the_phone_and_it_proves_the_number(
    browser: Any, shop: Shop, outbox: Path
) -> None:
    shop.rule(name="Welcome", trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "20"}])
    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    page.get_by_label("First name").fill("Linus")
    page.get_by_label("Mobile phone", exact=True).fill("078 555 31 41")
    page.get_by_label("E-mail", exact=True).fill("linus@example.com")
    page.get_by_label("I accept the programme's terms").check()
    page.get_by_role("button", name="Join").last.click()
    page.get_by_text("on its way to your phone by SMS").wait_for()
    screenshot(page, "member-app-sms-code.png")

    [line] = sent(outbox)
    assert (line["channel"], line["address"]) == ("sms", "+41785553141")
    # Not found at the till before the code comes back.
    assert shop.pos("POST", "/v1/identify", {"phone": "078 555 31 41"})["error"]["code"] == "member_not_found"

    page.get_by_label("6-digit code").fill(line["code"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Hello, Linus").wait_for()
    expect(page.locator("#balance")).to_have_attribute("data-balance", "20.00")
    found = shop.pos("POST", "/v1/identify", {"phone": "078 555 31 41"}, expect=200)
    assert found["first_name"] == "Linus"
    assert all(entry["channel"] == "sms" for entry in sent(outbox))
    assert errors == []
