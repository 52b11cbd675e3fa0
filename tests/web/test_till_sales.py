"""Past sales at the till in a real browser: found after "New sale", partly returned with the points shown first,
reprinted and cancelled; the balance ends where it began."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, screenshot
from tests.web.test_till import cinema, open_till

pytestmark = pytest.mark.browser


def test_a_past_sale_is_found_partly_returned_and_cancelled(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    for _ in range(3):
        page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Add Cola 5 dl").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    page.locator(".points-preview", has_text="+54 points").wait_for()
    page.get_by_role("button", name="Confirm sale").click()
    page.locator("#receipt .earned-big", has_text="+54 points").wait_for()
    transaction_id = page.locator("#receipt .receipt-head p").inner_text().split(" · ")[0]
    page.get_by_role("button", name="New sale").click()
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "94.00"

    # Another sale of someone else, then the search by the member's phone finds hers only.
    page.get_by_role("button", name="Add Child ticket").click()
    page.get_by_role("button", name="Confirm sale").click()
    page.get_by_role("button", name="New sale").click()
    page.get_by_role("button", name="Sales").click()
    expect(page.locator(".sales-entry")).to_have_count(2)
    page.get_by_label("Transaction id, phone or member code").fill("079 123 45 67")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("heading", name="Sales of Ada Lovelace").wait_for()
    expect(page.locator(".sales-entry")).to_have_count(1)
    page.get_by_role("button", name="Today").click()
    expect(page.locator(".sales-entry")).to_have_count(2)
    page.get_by_label("Transaction id, phone or member code").fill(transaction_id)
    page.get_by_role("button", name="Find").click()

    detail = page.locator("#sale-detail")
    detail.get_by_role("heading", name=f"Sale {transaction_id}").wait_for()
    assert "Paid by cash" in detail.inner_text()
    detail.get_by_label("Return how many Adult ticket").fill("1")
    detail.get_by_text("This return takes back 18 points.").wait_for()
    detail.get_by_label("Return how many Adult ticket").fill("4")
    detail.get_by_text("Return at most 3 of Adult ticket.").wait_for()
    detail.get_by_label("Return how many Adult ticket").fill("1")
    screenshot(page, "till-sales.png")
    detail.get_by_role("button", name="Return selected").click()
    detail.get_by_text(
        "Returned 1 × Adult ticket (−18.00). 18 points taken back. The balance is now 76 points."
    ).wait_for()
    detail.get_by_text("1 returned (−18.00)").wait_for()
    expect(detail.locator(".total-row.returned dd")).to_have_text("−18.00")
    total = detail.locator(".total-row.total dd").inner_text()
    expect(detail.locator(".total-row.kept dd")).to_have_text(f"{float(total) - 18:.2f}")
    expect(detail.locator(".sale-points")).to_have_text("36 points kept of 54 earned: 18 taken back by returns")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "till-sale-returned.png")
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "76.00"
    page.get_by_role("button", name="Today").click()
    expect(page.locator(".sales-entry", has_text=transaction_id).locator(".badge")).to_have_text("36 pts")

    detail.get_by_role("button", name="Cancel this purchase").click()
    detail.get_by_role("button", name="Tap again to confirm").click()
    detail.get_by_text("Purchase cancelled").wait_for()
    expect(detail.locator("[data-sale-status]")).to_have_attribute("data-sale-status", "cancelled")
    expect(detail.locator(".sale-points")).to_have_text("54 points earned, taken back by the cancellation")
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "40.00"
    expect(detail.get_by_role("button", name="Return selected")).to_have_count(0)

    page.get_by_role("button", name="Back to the sale").click()
    page.get_by_text("Tap a product to start a sale.").wait_for()
    assert errors == []
