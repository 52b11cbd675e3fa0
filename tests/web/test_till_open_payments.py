"""A sale lost with its points payment (another tab, a crash) is found again in the till's Sales: its payment is
given back, or the sale is taken up and confirmed with it; a sale is found by its transaction id in any capitals."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, screenshot
from tests.web.test_till import cinema, open_till

pytestmark = pytest.mark.browser


def lost_payment(shop: Shop, member_id: str, transaction_id: str, amount: str) -> dict[str, Any]:
    """A points payment the till made for a sale that never came back (its tab was closed)."""
    answer = httpx.post(
        f"{shop.url}/v1/payments",
        json={"member_id": member_id, "transaction_id": transaction_id, "amount": amount},
        headers={"Authorization": f"Bearer {shop.pos_key}", "Idempotency-Key": f"lost-{transaction_id}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_lost_sales_payment_is_given_back_and_another_taken_up_and_confirmed(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    given = lost_payment(shop, ada["id"], "T-LOST-A", "2.00")
    lost_payment(shop, ada["id"], "T-LOST-B", "3.00")
    before = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)["points_balance"]
    page, errors = open_till(browser, shop)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Sales").click()
    open_payments = page.locator("#open-payments")
    expect(open_payments.locator(".open-payment")).to_have_count(2)
    expect(open_payments).to_contain_text(f"Ada Lovelace: 2.00 paid with {points(given['points_used'])} points")
    screenshot(page, "till-open-payments.png")

    give_back = open_payments.get_by_role("button", name="Give back 2.00", exact=False)
    give_back.click()
    expect(give_back).to_have_text("Tap again to confirm")
    give_back.dblclick()
    expect(open_payments.locator(".open-payment")).to_have_count(1)
    expect(page.locator("#open-payments-message")).to_contain_text("Given back to Ada Lovelace: 2.00 paid with")
    (left,) = shop.pos("GET", "/v1/payments", expect=200)
    assert left["transaction_id"] == "T-LOST-B"
    after = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)["points_balance"]
    assert float(after) == float(before) + float(given["points_used"])

    open_payments.get_by_role("button", name="Take up sale T-LOST-B").click()
    expect(page.locator("#sale-message")).to_have_text(
        "Sale T-LOST-B taken up with its payments: add its items again, then confirm."
    )
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    expect(receipt).to_contain_text("T-LOST-B")
    expect(receipt.locator(".total-row", has_text="Paid with points")).to_contain_text("3.00")
    assert shop.pos("GET", "/v1/payments", expect=200) == []
    (sale,) = shop.pos("GET", "/v1/purchases?transaction_id=T-LOST-B", expect=200)
    detail = shop.pos("GET", f"/v1/purchases/{sale['id']}", expect=200)
    assert {"mop": "points", "amount": "3.00"} in detail["payments"]

    # The receipt's number typed in small letters finds the sale.
    page.get_by_role("button", name="New sale").click()
    page.get_by_role("button", name="Sales").click()
    expect(page.locator("#open-payments")).to_be_hidden()
    page.get_by_label("Transaction id, phone or member code").fill("t-lost-b")
    page.get_by_role("button", name="Find").click()
    page.locator("#sale-detail").get_by_role("heading", name="Sale T-LOST-B").wait_for()
    assert errors == []


def points(text: str) -> str:
    """Points as the till writes them: whole ones without their zeros."""
    return text[:-3] if text.endswith(".00") else text
