"""The Campaign Center's settings in a real browser: a manager sets how a Como till's payments work, and a till
then meets those settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def test_a_manager_sets_payment_limits_and_verification_and_a_como_till_meets_them(browser: Any, shop: Shop) -> None:
    shop.member("079 555 01 01", first_name="Ada")
    page, errors = open_page(browser, width=1280, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Payments at the till").wait_for()
    expect(page.get_by_label("Pays from")).to_have_value("points")
    expect(page.get_by_label("Members confirm each payment")).not_to_be_checked()

    page.get_by_label("Smallest payment").fill("20")
    page.get_by_label("Largest payment").fill("10")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#payment-settings .field-error")).to_contain_text("must not be more than payment_max")

    page.get_by_label("Smallest payment").fill("2.00")
    page.get_by_label("Largest payment").fill("10.00")
    page.get_by_label("Members confirm each payment").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-message")).to_have_text("Settings saved.")
    page.screenshot(path="/tmp/como-settings.png", full_page=True)
    assert page.locator("#payment-settings .field-error").count() == 0

    stored = shop.admin("GET", "/v1/business")
    assert (stored["payment_min"], stored["payment_max"], stored["payment_verification"]) == ("2.00", "10.00", True)
    page.reload()
    page.get_by_role("heading", name="Payments at the till").wait_for()
    expect(page.get_by_label("Largest payment")).to_have_value("10.00")

    headers = {"X-Api-Key": shop.pos_key, "X-Branch-Id": "main", "X-Pos-Id": "1"}
    ticket = {"transactionId": "C-1", "totalAmount": 2000}  # a payment needs the ticket's total (or its items)
    body = {"customer": {"phoneNumber": "079 555 01 01"}, "purchase": ticket, "amount": 1001}
    above = httpx.post(f"{shop.url}/api/v4/payment", headers=headers, json=body).json()
    assert above["errors"][0]["code"] == "4007009"
    sent = httpx.post(f"{shop.url}/api/v4/payment", headers=headers, json={**body, "amount": 500}).json()
    assert sent["errors"][0]["code"] == "4007005"
    assert errors == []
