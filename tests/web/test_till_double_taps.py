"""Double taps in a real browser: every button that writes (points, credit, top-up, the point shop in the till and in
the member app, confirm, cancel, return) writes once, however fast it is pressed twice; the server says so."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page
from tests.web.test_till import cinema, open_till
from tests.web.test_till_payments import find_ada, recorded

pytestmark = pytest.mark.browser


def slow(page: Any, pattern: str, seconds: float = 0.4) -> None:
    """Answers to `pattern` take `seconds` longer, so a second tap lands while the first is still on its way."""

    def hold(route: Any) -> None:
        time.sleep(seconds)
        route.continue_()

    page.route(pattern, hold)


def test_double_taps_on_top_up_points_credit_shop_and_confirm_write_once(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    shop.admin("PATCH", "/v1/business", {"credit_top_up_bonus": [{"from": "20.00", "bonus": "5.00"}]}, expect=200)
    shop.benefit(name="Free coffee", kind="free_item", items={"codes": ["COFFEE"]}, price_points="10")
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Adult ticket").click()
    find_ada(page)
    card = page.locator("#member")
    for pattern in ("**/v1/payments", "**/credit", "**/benefits/buy", "**/v1/purchases"):
        slow(page, pattern)

    page.get_by_label("Top-up amount").fill("20.00")
    page.get_by_role("button", name="Top up").dblclick()
    page.get_by_text("Topped up 20.00 with a bonus of 5.00: credit is now 25.00.").wait_for()
    expect(card.locator("[data-credit]")).to_have_attribute("data-credit", "25.00")
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["credit_balance"] == "25.00", "one top-up, one bonus"

    page.get_by_label("Amount to pay with points").fill("5")
    page.get_by_role("button", name="Pay with points").dblclick()
    page.get_by_text("Paid 5.00 with 5 points").first.wait_for()
    page.get_by_label("Amount to pay with credit").fill("3")
    page.get_by_role("button", name="Pay with credit").dblclick()
    page.get_by_text("Paid 3.00 with credit.").wait_for()
    expect(page.locator("#payments li")).to_have_count(2)
    expect(page.locator("#sale-totals .total-row.due dd")).to_have_text("10.00")

    page.get_by_role("button", name="Buy Free coffee for 10 points").dblclick()
    page.get_by_text("Free coffee bought for 10 points: it is in the wallet.").wait_for()
    member = shop.admin("GET", f"/v1/members/{ada['id']}")
    assert (member["points_balance"], member["credit_balance"]) == ("25.00", "22.00")
    assert [benefit["name"] for benefit in member["benefits"]].count("Free coffee") == 1

    page.get_by_role("button", name="Confirm sale").dblclick()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    rows = [" ".join(row.split()) for row in receipt.locator(".receipt-totals .total-row").all_inner_texts()]
    assert sorted(rows) == ["Paid by cash 10.00", "Paid with credit 3.00", "Paid with points 5.00", "Total 18.00"]
    sale = recorded(shop, page)
    assert len(shop.pos("GET", f"/v1/purchases?transaction_id={sale['transaction_id']}", expect=200)) == 1
    assert errors == []


def test_a_double_tap_on_cancel_asks_and_does_not_act(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Adult ticket").click()
    find_ada(page)
    page.get_by_label("Amount to pay with points").fill("5")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 5.00 with 5 points").first.wait_for()

    page.get_by_role("button", name="Cancel sale").dblclick()
    expect(page.locator("#cancel-sale")).to_have_text("Tap again to confirm")
    expect(page.locator("#payments li")).to_have_count(1)
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "35.00", "the points are still paid"
    page.get_by_role("button", name="Tap again to confirm").click()
    page.get_by_text("Sale cancelled. Nothing was recorded.").wait_for()
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "40.00"

    page.get_by_role("button", name="Add Child ticket").click()
    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    receipt.get_by_role("button", name="Cancel this purchase").dblclick()
    expect(receipt.locator(".receipt-status")).to_have_text("Recorded")
    assert recorded(shop, page)["status"] == "completed"
    slow(page, "**/cancel")
    receipt.get_by_role("button", name="Tap again to confirm").click()
    expect(receipt.get_by_role("button", name="Cancel this purchase")).to_be_disabled()
    expect(receipt.locator(".receipt-status")).to_have_text("Cancelled")
    assert recorded(shop, page)["status"] == "cancelled"
    assert errors == []


def test_a_double_tap_on_return_selected_returns_once(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    sold = {
        "transaction_id": "T-COLA",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "COLA", "name": "Cola 5 dl", "quantity": 2, "amount": "9.00"}],
    }
    purchase = shop.pos("POST", "/v1/purchases", sold, expect=201)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Sales").click()
    page.get_by_label("Transaction id, phone or member code").fill("T-COLA")
    page.get_by_role("button", name="Find").click()
    detail = page.locator("#sale-detail")
    detail.get_by_role("heading", name="Sale T-COLA").wait_for()
    slow(page, "**/returns")
    detail.get_by_label("Return how many Cola 5 dl").fill("1")
    detail.get_by_role("button", name="Return selected").dblclick()
    detail.get_by_text("1 returned").wait_for()
    lines = shop.pos("GET", f"/v1/purchases/{purchase['id']}", expect=200)["lines"]
    assert [line["returned_quantity"] for line in lines] == ["1"]
    assert errors == []


def test_a_double_tap_on_buy_in_the_member_app_buys_once(browser: Any, shop: Shop, outbox: Path) -> None:
    popcorn = shop.benefit(name="Free small popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    shop.admin("PATCH", f"/v1/benefits/{popcorn['id']}", {"price_points": "30"}, expect=200)
    ada = shop.member("079 123 45 67", first_name="Ada", email="ada@example.com")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "100", "reason": "welcome"}, expect=201)
    page, errors = open_page(browser, width=390, height=844)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    page.get_by_role("tab", name="Log in").click()
    page.get_by_label("Mobile phone or e-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send me a login code").click()
    page.get_by_label("6-digit code").fill(last_code(outbox, email="ada@example.com"))
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Hello, Ada").wait_for()

    slow(page, "**/benefits/buy")
    page.locator("#shop").get_by_role("button", name="Buy Free small popcorn").dblclick()
    page.get_by_text("Free small popcorn is in your benefits: 30 points spent.").wait_for()
    expect(page.locator("#balance")).to_have_attribute("data-balance", "70.00")
    member = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)
    assert member["points_balance"] == "70.00"
    assert [benefit["name"] for benefit in member["benefits"]] == ["Free small popcorn"]
    assert errors == []
