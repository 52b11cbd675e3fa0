"""The member app in a real (phone-sized) browser: join, log in with a one-time code, show the QR and short code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page, screenshot

pytestmark = pytest.mark.browser


def open_app(browser: Any, shop: Shop) -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    return page, errors


def test_a_member_joins_logs_in_with_the_code_and_sees_the_qr_and_short_code(
    browser: Any, shop: Shop, outbox: Path
) -> None:
    shop.rule(
        name="Welcome: 50 points", trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}]
    )
    welcome = shop.benefit(name="Free small popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    shop.rule(
        name="Welcome popcorn", trigger="joined", actions=[{"type": "grant_benefit", "benefit_id": welcome["id"]}]
    )
    page, errors = open_app(browser, shop)
    page.get_by_role("heading", name="Rewards at Cinema Lumière").wait_for()

    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Mobile phone", exact=True).fill("078 555 12 34")
    page.get_by_label("E-mail", exact=True).fill("grace@example.com")
    page.get_by_role("button", name="Join").last.click()
    page.get_by_text("Please accept the programme's terms").wait_for()
    page.get_by_label("I accept the programme's terms").check()
    page.get_by_role("button", name="Join").last.click()

    page.get_by_role("heading", name="Enter your code").wait_for()
    page.get_by_label("6-digit code").fill(last_code(outbox, phone="+41785551234"))
    page.get_by_role("button", name="Log in").click()

    page.get_by_text("Hello, Grace").wait_for()
    expect(page.locator("#balance")).to_have_attribute("data-balance", "50.00")
    expect(page.locator("#qr svg")).to_be_visible()
    short_code = page.locator("#short-code")
    expect(short_code).to_have_text(re.compile(r"^\d{4}$"))
    expect(page.locator("#countdown-text")).to_contain_text("Valid for 4:")
    expect(page.locator("#benefits")).to_contain_text("Free small popcorn")
    expect(page.locator("#history")).to_contain_text("+50")
    screenshot(page, "member-app.png", full_page=True)

    # The code on the screen is the one the till accepts; it works once.
    code = short_code.inner_text()
    member = shop.pos("POST", "/v1/identify", {"code": code}, expect=200)
    assert member["first_name"] == "Grace"
    assert shop.pos("POST", "/v1/identify", {"code": code})["error"]["code"] == "member_not_found"

    # A new code brings a new QR, whose payload identifies the member too (as a scanner would read it).
    qr = page.locator("#qr")
    old_qr = qr.get_attribute("data-qr")
    page.get_by_role("button", name="New code").click()
    expect(qr).not_to_have_attribute("data-qr", old_qr or "")
    assert shop.pos("POST", "/v1/identify", {"qr": qr.get_attribute("data-qr")}, expect=200)["id"] == member["id"]
    assert errors == []


def test_a_member_logs_in_again_after_a_wrong_code_and_logs_out(browser: Any, shop: Shop, outbox: Path) -> None:
    ada = shop.member("079 123 45 67", first_name="Ada", email="ada@example.com")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "12.50", "reason": "birthday"}, expect=201)
    page, errors = open_app(browser, shop)

    page.get_by_role("tab", name="Log in").click()
    page.get_by_label("Mobile phone or e-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send me a login code").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    code = last_code(outbox, email="ada@example.com")
    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("6-digit code").fill(wrong)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("This code is wrong, used or expired").wait_for()
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Log in").click()

    page.get_by_text("Hello, Ada").wait_for()
    expect(page.locator("#balance")).to_have_text("12.50")
    expect(page.locator("#history")).to_contain_text("Correction")
    expect(page.locator("#history")).to_contain_text("birthday")

    page.reload()  # the session survives a reload: the key is kept on the phone
    page.get_by_text("Hello, Ada").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are logged out.").wait_for()
    page.reload()
    page.get_by_role("heading", name="Rewards at Cinema Lumière").wait_for()
    assert errors == []


def test_an_unknown_programme_is_a_friendly_404(browser: Any, shop: Shop) -> None:
    page, _ = open_page(browser, width=390, height=844)
    answer = page.goto(f"{shop.url}/app/00000000-0000-0000-0000-000000000000")
    assert answer is not None and answer.status == 404
    page.get_by_role("heading", name="No such loyalty programme").wait_for()
