"""The Campaign Center's settings in a real browser: the business names the means of payment its tills offer."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, screenshot
from tests.web.test_campaign_center import open_center

pytestmark = pytest.mark.browser


def test_a_manager_names_the_means_of_payment_the_tills_offer(browser: Any, shop: Shop) -> None:
    page, errors = open_center(browser, shop)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Means of payment").wait_for()
    expect(page.get_by_label("Means of payment 1")).to_have_value("cash")
    expect(page.get_by_label("Means of payment 2")).to_have_value("card")

    page.get_by_role("button", name="Add a means of payment").click()
    page.get_by_label("Means of payment 3").fill("Points")
    page.get_by_role("button", name="Save means of payment").click()
    page.get_by_text("is paid through the loyalty account").wait_for()
    expect(page.get_by_label("Means of payment 3")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Means of payment 3").fill("gift card")
    page.get_by_role("button", name="Add a means of payment").click()
    page.get_by_label("Means of payment 4").fill("voucher")
    page.locator(".mop", has=page.get_by_label("Means of payment 1")).get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Save means of payment").click()
    page.get_by_text("Saved. The tills offer card, gift card, voucher.").wait_for()
    screenshot(page, "campaign-center-settings.png")
    assert shop.pos("GET", "/v1/means-of-payment", expect=200) == {"means_of_payment": ["card", "gift card", "voucher"]}
    assert errors == []
