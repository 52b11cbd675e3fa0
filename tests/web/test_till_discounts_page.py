"""The Campaign Center's dashboard lists the tills whose charged discounts differ from loyalty's own, in a real
browser: a Como till took 3.00 off with a code worth 2.00, and the dashboard says which till and by how much."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def test_the_dashboard_lists_a_till_that_charged_other_discounts(browser: Any, shop: Shop) -> None:
    shop.member("079 123 45 67", first_name="Ada")
    benefit = shop.benefit(name="2.00 off", kind="discount", discount={"amount": "2.00"})
    shop.admin("POST", "/v1/codes", {"code": "TWOOFF", "benefit_id": benefit["id"]}, expect=201)
    body = {
        "customers": [{"phoneNumber": "079 123 45 67"}],
        "purchase": {
            "transactionId": "W-1",
            "openTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "totalAmount": 2700,
            "items": [{"lineId": "1", "code": "TICKET", "quantity": 2, "netAmount": 3000}],
        },
        "redeemAssets": [{"code": "TWOOFF", "appliedAmount": -300}],
    }
    headers = {"X-Api-Key": shop.pos_key, "X-Branch-Id": "lobby", "X-Pos-Id": "till-4"}
    answer = httpx.post(f"{shop.url}/api/v4/submitPurchase", json=body, headers=headers, timeout=30)
    assert answer.json()["status"] == "ok", answer.text
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("heading", name="Dashboard").wait_for()
    listed = page.get_by_role("list", name="Discount differences per till")
    expect(listed).to_contain_text("Branch lobby · POS till-4")
    expect(listed).to_contain_text("1 sales · till gave CHF 3.00, loyalty CHF 2.00")
    expect(listed).to_contain_text("+1.00")
    assert errors == []
