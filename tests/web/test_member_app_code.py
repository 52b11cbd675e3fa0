"""The member app's code in a real browser: the countdown runs on the server's clock (a phone 10 minutes fast
still shows a valid code), and every device of the member shows the same live code until "New code" or its use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page

pytestmark = pytest.mark.browser

# Every Date in the page runs this much ahead of the real time, as on a phone whose clock is wrong.
FAST_CLOCK = """
(() => {
  const shift = %d;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + shift); }
    static now() { return RealDate.now() + shift; }
  }
  window.Date = ShiftedDate;
})();
"""


def log_in(browser: Any, shop: Shop, outbox: Path, *, clock_shift_ms: int = 0) -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=390, height=844)
    if clock_shift_ms:
        page.add_init_script(FAST_CLOCK % clock_shift_ms)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    page.get_by_role("tab", name="Log in").click()
    page.get_by_label("Mobile phone or e-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send me a login code").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    page.get_by_label("6-digit code").fill(last_code(outbox, email="ada@example.com"))
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Hello, Ada").wait_for()
    return page, errors


def test_a_phone_ten_minutes_fast_shows_a_valid_code_and_every_device_shows_the_same(
    browser: Any, shop: Shop, outbox: Path
) -> None:
    ada = shop.member("079 123 45 67", first_name="Ada", email="ada@example.com")
    fast, fast_errors = log_in(browser, shop, outbox, clock_shift_ms=10 * 60 * 1000)
    assert fast.evaluate("Date.now() - performance.timeOrigin - performance.now()") > 9 * 60 * 1000
    expect(fast.locator("#countdown-text")).to_contain_text("Valid for 4:")
    expect(fast.locator("#qr")).not_to_have_class("expired")
    code = fast.locator("#short-code").inner_text()

    tablet, tablet_errors = log_in(browser, shop, outbox)
    expect(tablet.locator("#short-code")).to_have_text(code)
    assert tablet.locator("#qr").get_attribute("data-qr") == fast.locator("#qr").get_attribute("data-qr")
    expect(fast.locator("#short-code")).to_have_text(code)  # the phone's code is still the live one

    tablet.get_by_role("button", name="New code").click()
    expect(tablet.locator("#short-code")).not_to_have_text(code)
    renewed = tablet.locator("#short-code").inner_text()
    expect(fast.locator("#short-code")).to_have_text(renewed, timeout=15_000)
    expect(fast.locator("#countdown-text")).to_contain_text("Valid for 4:")

    assert shop.pos("POST", "/v1/identify", {"code": code})["error"]["code"] == "member_not_found"
    assert shop.pos("POST", "/v1/identify", {"code": renewed}, expect=200)["id"] == ada["id"]
    # Used at the till: both devices move on to the next live code, the same on both.
    expect(fast.locator("#short-code")).not_to_have_text(renewed, timeout=15_000)
    expect(tablet.locator("#short-code")).to_have_text(fast.locator("#short-code").inner_text(), timeout=15_000)
    assert fast_errors == [] and tablet_errors == []
