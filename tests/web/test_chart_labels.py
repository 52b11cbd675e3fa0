"""The Campaign Center's charts keep their labels readable: at 1280×800 every label of the dashboard's charts is
drawn at 11 px or more, on a wide screen and on a tablet held upright (a fixed 860-unit drawing shrank them to
9 px in a 728 px column, and less on anything narrower)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser

RENDERED_SIZES = """
selector => [...document.querySelectorAll(`${selector} svg text`)].map((text) => {
  const scale = text.ownerSVGElement.getScreenCTM().a;
  return Math.round(scale * parseFloat(getComputedStyle(text).fontSize) * 10) / 10;
})
"""


def test_every_chart_label_of_the_dashboard_is_at_least_11_px(browser: Any, shop: Shop) -> None:
    shop.rule(
        name="1 point per 1.00",
        trigger="purchase",
        status="active",
        actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    )
    shop.admin("PATCH", "/v1/business", {"points_expire_after_days": 60}, expect=200)
    ada = shop.member("079 123 45 67", first_name="Ada")
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "X", "amount": "12.00"}],
    }
    shop.pos("POST", "/v1/purchases", sale, expect=201)
    page, errors = open_page(browser, width=1280, height=800)
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
        page.reload()
        expect(page.locator("#chart svg rect.bar-earned")).to_have_count(30)
        page.locator("#liability-chart svg").wait_for()
        page.locator("#rule-figures-chart svg").wait_for()
        for chart in ("#chart", "#liability-chart", "#rule-figures-chart"):
            sizes = page.evaluate(RENDERED_SIZES, chart)
            assert sizes, f"{chart} has labels"
            assert min(sizes) >= 11, f"{chart} at {width} px: labels drawn at {min(sizes)} px"
        screenshot(page, f"campaign-center-charts-{width}.png", full_page=True)
    assert errors == []
