"""Try a basket offers the business's own means of payment (and points and credit), so a rule that excludes one of
them can be tried as a till would report the sale."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def test_try_a_basket_pays_by_the_businesss_means_of_payment(browser: Any, shop: Shop) -> None:
    shop.admin("PATCH", "/v1/business", {"means_of_payment": ["cash", "voucher", "gift card"]}, expect=200)
    shop.rule(
        name="1 point per 1.00, not on vouchers",
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "exclude_mops": ["voucher"]}],
    )
    page, errors = open_page(browser, width=1440, height=1000)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("link", name="Try a basket").click()
    page.get_by_role("heading", name="Try a basket").wait_for()
    payments = page.locator("#basket-payments label")
    expect(payments).to_have_text(
        ["Paid with points", "Paid with credit", "Paid in cash", "Paid by voucher", "Paid by gift card"]
    )
    page.get_by_label("Add an item from the catalogue").select_option(label="Adult ticket — 18.00")
    page.get_by_label("Paid by voucher").fill("8.00")
    page.get_by_label("Paid in cash").fill("10.00")
    page.get_by_role("button", name="Try", exact=True).click()
    expect(page.locator("#basket-result [data-points]")).to_have_text("+10")  # the 8.00 by voucher earns nothing
    assert errors == []
