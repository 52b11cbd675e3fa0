"""The identification pause in a real browser: the till warns before it pauses, a QR scan still works while it is
paused, and a manager lifts the pause in the Campaign Center."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, screenshot
from tests.support.server import LiveServer
from tests.web.test_campaign_center import open_center
from tests.web.test_till import cinema, open_till

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(
    fresh_database_url: str, tmp_path: Path, outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """A live server whose tills pause after 3 failed searches."""
    monkeypatch.setenv("LOYALTY_NOTIFIER", f"file://{outbox}")
    monkeypatch.setenv("LOYALTY_IDENTIFY_FAILURES_PER_TERMINAL", "3")
    server = LiveServer(fresh_database_url, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


def test_the_till_warns_before_the_pause_a_qr_still_works_and_a_manager_lifts_it(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Loyalty Account").click()
    search = page.get_by_label("Phone number or member code")
    message = page.locator("#search-message")
    for left in ("2 tries left", "1 try left"):
        search.fill("0000")
        search.press("Enter")
        expect(message).to_contain_text(
            "No member found. Check the number, or ask the member for a fresh code from the app. "
            f"{left} before this till pauses searches for 10 minutes."
        )
    search.fill("0001")
    search.press("Enter")
    expect(message).to_contain_text("This till now pauses searches for up to 10 minutes")
    screenshot(page, "till-lockout-warning.png")
    search.fill("0002")  # another code guess: paused (a phone number would still be looked up)
    search.press("Enter")
    expect(message).to_contain_text("Too many searches that found no one. Please wait 10 minutes")
    expect(message).to_contain_text("Scanning the member's QR code still works, and a manager can lift the pause")

    issued = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)
    page.keyboard.type(issued["qr"] + "\n")  # the scanner: never paused
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    page.wait_for_load_state("networkidle")  # the quote that follows redraws the panel
    expect(page.locator("#member-name")).to_be_focused()  # the focus is on the member found

    center, center_errors = open_center(browser, shop)
    center.get_by_role("link", name="Settings").click()
    paused = center.locator("#lockouts tr", has_text="Paused for")
    expect(paused).to_have_count(1)
    expect(paused).to_contain_text("3 of 3")
    screenshot(center, "campaign-center-lockouts.png")
    paused.get_by_role("button", name="Lift the pause").click()
    center.get_by_text("Pause lifted: 3 failed searches forgotten.").wait_for()
    expect(center.locator("#lockouts")).to_contain_text("No failed searches right now.")

    page.locator("#member").get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Loyalty Account").click()
    search.fill("079 123 45 67")
    search.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    assert errors == [] and center_errors == []
