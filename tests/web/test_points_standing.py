"""Points with dates in the member app and at the till: the next expiry, pending points, the tier progress, and a
history that says when points become spendable and expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page, screenshot

pytestmark = pytest.mark.browser


def sell(shop: Shop, member_id: str, amount: str, transaction_id: str, *, days_ago: float = 0) -> None:
    body: dict[str, Any] = {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "TICKET", "amount": amount}],
        "payments": [{"mop": "cash", "amount": amount}],
    }
    if days_ago:
        body["occurred_at"] = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    shop.pos("POST", "/v1/purchases", body, expect=201)


def test_the_member_app_shows_the_next_expiry_pending_points_and_the_tier_progress(
    browser: Any, shop: Shop, outbox: Path
) -> None:
    shop.rule(
        name="1 point per franc",
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    )
    shop.admin("PATCH", "/v1/business", {"points_expire_after_days": 90, "points_pending_days": 14}, expect=200)
    shop.admin("PUT", "/v1/tiers", [{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "500"}])
    ada = shop.member("079 123 45 67", first_name="Ada", email="ada@example.com")
    sell(shop, ada["id"], "90.00", "T-1", days_ago=20)
    sell(shop, ada["id"], "30.00", "T-2")
    shown = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)
    last_day = datetime.fromisoformat(shown["next_expiry"]["at"]) - timedelta(seconds=1)

    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    page.get_by_role("tab", name="Log in").click()
    page.get_by_label("Mobile phone or e-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send me a login code").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    page.get_by_label("6-digit code").fill(last_code(outbox, email="ada@example.com"))
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Hello, Ada").wait_for()

    expect(page.locator("#balance")).to_have_text("90")  # the 30 points of today's sale are pending
    standing = page.locator("#standing")
    expect(standing.locator(".tier-badge")).to_have_text("Silver")
    expect(standing.locator("[data-standing=tier]")).to_have_text("120 of 500 points to Gold")
    expect(standing.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "24")
    local_day = page.evaluate(
        "iso => new Date(Date.parse(iso) - 1000)"
        ".toLocaleDateString(undefined, {day: 'numeric', month: 'long', year: 'numeric'})",
        shown["next_expiry"]["at"],
    )
    assert str(last_day.astimezone(UTC).day) in local_day or str(last_day.day) in local_day
    assert str(last_day.year) in local_day or str(last_day.year + 1) in local_day, "the year is named"
    expect(standing.locator("[data-standing=expiry]")).to_have_text(f"90 points expire on {local_day}")
    expect(standing.locator("[data-standing=pending]")).to_contain_text("30 more points pending")
    expect(page.locator("#history")).to_contain_text("Pending: spendable from")
    expect(page.locator("#history")).to_contain_text("Expire on")
    screenshot(page, "member-app-points.png", full_page=True)
    assert errors == []


def test_the_till_shows_the_members_tier_and_next_expiry(browser: Any, shop: Shop) -> None:
    shop.admin("PATCH", "/v1/business", {"points_expire_after_days": 30}, expect=200)
    shop.admin("PUT", "/v1/tiers", [{"name": "Gold", "threshold": "500"}])
    ada = shop.member("079 123 45 67", first_name="Ada")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "12", "reason": "welcome"}, expect=201)
    page, errors = open_page(browser, width=1280, height=900)
    page.goto(f"{shop.url}/till#key={shop.pos_key}")
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code — or scan the QR").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member-name").wait_for()
    member = page.locator("#member-info")
    expect(member.locator("[data-standing=tier]")).to_have_text("0 of 500 points to Gold")
    expect(member.locator("[data-standing=expiry]")).to_contain_text("12 points expire on")
    screenshot(page, "till-points.png")
    assert errors == []


def test_the_receipt_says_the_points_earned_are_pending(browser: Any, shop: Shop) -> None:
    shop.admin("PATCH", "/v1/business", {"points_pending_days": 14}, expect=200)
    shop.rule(
        name="1 point per 1.00",
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    )
    ada = shop.member("079 123 45 67", first_name="Ada")
    page, errors = open_page(browser, width=1280, height=900)
    page.goto(f"{shop.url}/till#key={shop.pos_key}")
    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code — or scan the QR").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member-name").wait_for()
    page.locator(".points-preview", has_text="+18 points").wait_for()
    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    expect(receipt.locator("[data-standing=pending]")).to_contain_text("18 more points pending until ")
    until = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)["pending_until"]
    day = page.evaluate(
        "iso => new Date(iso).toLocaleDateString(undefined, {day: 'numeric', month: 'long', year: 'numeric'})", until
    )
    assert str((datetime.now(UTC) + timedelta(days=14)).year) in day, "the year is named"
    expect(receipt.locator("[data-standing=pending]")).to_have_text(f"18 more points pending until {day}")
    assert errors == []


def test_the_dashboard_charts_the_points_owed_by_month_of_expiry(browser: Any, shop: Shop) -> None:
    shop.admin("PATCH", "/v1/business", {"point_value": "0.50"}, expect=200)
    ada = shop.member("079 123 45 67", first_name="Ada")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "40", "reason": "before expiry"}, expect=201)
    shop.admin("PATCH", "/v1/business", {"points_expire_after_days": 60}, expect=200)
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "12", "reason": "goodwill"}, expect=201)
    owed = shop.admin("GET", "/v1/reports/liability", expect=200)
    page, errors = open_page(browser, width=1280, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    chart = page.locator("#liability-chart")
    expect(page.locator("#liability-note")).to_have_text("52 points worth CHF 26.00")
    month = owed["months"][0]["month"]
    expect(chart.locator(f"g[data-month='{month}']")).to_contain_text("12 points · CHF 6.00")
    expect(chart.locator("g[data-month='never']")).to_contain_text("40 points · CHF 20.00")
    chart.scroll_into_view_if_needed()
    screenshot(page, "campaign-center-liability.png", full_page=True)
    assert errors == []
