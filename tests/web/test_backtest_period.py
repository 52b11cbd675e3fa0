"""The backtest's period is in the business's days: a marketer whose browser is in another time zone (travelling,
or a laptop set to UTC) still gets a period that ends on the business's today, so today's sales are in it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def test_the_default_period_ends_on_the_business_day_whatever_the_browser_zone(browser: Any, shop: Shop) -> None:
    business_zone = ZoneInfo(shop.admin("GET", "/v1/business")["timezone"])
    today = datetime.now(business_zone).date()
    # Two zones 25 hours apart: at any moment one of them is on another day than the business.
    browser_zone = next(
        zone for zone in ("Pacific/Pago_Pago", "Pacific/Kiritimati") if datetime.now(ZoneInfo(zone)).date() != today
    )
    page, errors = open_page(browser, width=1280, height=800, timezone=browser_zone)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.goto(f"{shop.url}/campaigns#/backtest")
    until = page.locator("#backtest-until")
    until.wait_for()
    page.wait_for_function("document.getElementById('backtest-until').value !== ''")
    assert until.input_value() == today.isoformat()
    assert page.locator("#backtest-from").input_value() == (today - timedelta(days=29)).isoformat()
    assert errors == []
