"""The cashier's till in a real browser: find the member, apply benefits and codes, pay with points, confirm."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser

ADA = "+41791234567"


def cinema(shop: Shop) -> dict[str, Any]:
    """Ada, 40 points, a free popcorn in her wallet; a 5.00-off promo code; tickets earn 1 point per 1.00 not paid
    with points."""
    shop.rule(
        name="Tickets: 1 point per 1.00",
        trigger="purchase",
        actions=[
            {
                "type": "add_points",
                "mode": "rate",
                "points": "1",
                "per": "1.00",
                "items": {"departments": ["tickets"]},
                "exclude_mops": ["points"],
            }
        ],
    )
    popcorn = shop.benefit(name="Free small popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    five_off = shop.benefit(name="5.00 off", kind="discount", discount={"amount": "5.00"})
    shop.admin("POST", "/v1/codes", {"code": "SUMMER5", "benefit_id": five_off["id"]}, expect=201)
    ada = shop.member("079 123 45 67", first_name="Ada", last_name="Lovelace", email="ada@example.com")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "40", "reason": "welcome"}, expect=201)
    shop.admin("POST", f"/v1/members/{ada['id']}/benefits", {"benefit_id": popcorn["id"]}, expect=201)
    return ada


def open_till(browser: Any, shop: Shop) -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/till#key={shop.pos_key}")
    page.get_by_role("button", name="Loyalty Account").wait_for()
    assert "key=" not in page.url, "the key must leave the address bar"
    return page, errors


def test_cashier_finds_a_member_by_phone_applies_a_benefit_and_a_code_pays_with_points_and_confirms(
    browser: Any, shop: Shop
) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)

    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Add Popcorn small").click()
    page.get_by_role("button", name="Add Beer 33 cl").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill("079 123 45 67")
    page.keyboard.press("Enter")

    card = page.locator("#member")
    card.get_by_role("heading", name="Ada Lovelace").wait_for()
    assert card.locator("[data-balance]").get_attribute("data-balance") == "40.00"
    assert "67" in card.inner_text() and "123 45" not in card.inner_text(), "the phone is masked at the till"

    card.get_by_role("button", name="Apply Free small popcorn").click()
    popcorn_line = page.locator("li.line", has_text="Popcorn small")
    popcorn_line.locator(".line-discount", has_text="−6.50").wait_for()

    page.get_by_label("Use a Code").fill("summer5")
    page.keyboard.press("Enter")
    page.locator(".chip", has_text="SUMMER5").wait_for()
    total = page.locator(".total-row.total dd")
    # 36.00 tickets + 6.50 popcorn + 6.00 beer, less the free popcorn and 5.00 off.
    expect(total).to_have_text("37.00")
    assert page.locator(".points-preview").inner_text().startswith("Ada earns")

    page.get_by_label("Amount to pay with points").fill("10.00")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 10.00 with 10 points").first.wait_for()
    assert card.locator("[data-balance]").get_attribute("data-balance") == "30.00"
    page.locator(".total-row.due", has_text="27.00").wait_for()
    screenshot(page, "till.png")

    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    text = receipt.inner_text()
    assert "Free small popcorn" in text and "5.00 off" in text
    assert "Paid with points" in text and "Tickets: 1 point per 1.00" in text
    earned = Decimal(re.search(r"\+(\d+(?:\.\d+)?) points", text).group(1))  # type: ignore[union-attr]
    assert earned > 0
    shown = receipt.locator("[data-balance]").get_attribute("data-balance")

    member = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)
    assert Decimal(member["points_balance"]) == Decimal(shown) == Decimal("40") - Decimal("10") + earned
    assert [benefit["status"] for benefit in member["benefits"]] == ["redeemed"]
    screenshot(page, "till-receipt.png")
    assert errors == []


def test_cashier_finds_a_member_by_the_short_code_and_by_a_scanned_qr(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    search = page.get_by_label("Phone number or member code")

    page.get_by_role("button", name="Loyalty Account").click()
    search.fill("0000")
    search.press("Enter")
    page.get_by_text("No member found").wait_for()

    issued = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)
    search.fill(issued["code"])
    search.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()

    page.locator("#member").get_by_role("button", name="Remove").click()
    page.keyboard.press("F2")  # the cashier's shortcut back to the search field
    issued = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)
    # A handheld scanner types the QR's payload into the focused field and presses Enter.
    page.keyboard.type(issued["qr"])
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    assert errors == []


def test_cashier_cancels_a_sale_paid_with_points_and_then_a_confirmed_purchase(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    balance = page.locator("#member [data-balance]")

    page.get_by_role("button", name="Add Child ticket").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill("+41 79 123 45 67")
    page.keyboard.press("Enter")
    page.get_by_label("Amount to pay with points").fill("5")
    page.get_by_role("button", name="Pay with points").click()
    expect(balance).to_have_attribute("data-balance", "35.00")
    page.get_by_role("button", name="Cancel sale").click()
    page.get_by_role("button", name="Tap again to confirm").click()
    page.get_by_text("Sale cancelled. Nothing was recorded.").wait_for()
    expect(page.locator("#member")).to_be_hidden()  # the member leaves with the cancelled sale
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "40.00"

    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill("0791234567")
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    page.locator(".points-preview", has_text="+18 points").wait_for()
    page.get_by_role("button", name="Confirm sale").click()
    page.locator("#receipt .earned-big", has_text="+18 points").wait_for()
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "58.00"

    page.get_by_role("button", name="Cancel this purchase").click()
    page.get_by_role("button", name="Tap again to confirm").click()
    page.get_by_text("Purchase cancelled").wait_for()
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "40.00"
    page.get_by_role("button", name="New sale").click()
    page.get_by_text("Tap a product to start a sale.").wait_for()
    assert errors == []


def test_a_points_payment_whose_answer_was_lost_is_paid_once_when_the_cashier_presses_again(
    browser: Any, shop: Shop
) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    keys: list[str] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        answered = route.fetch()  # the server records the payment...
        if len(keys) == 1:  # ...but the till hears what a failover sounds like
            lost = {"error": {"code": "outcome_unknown", "message": "may have been recorded", "details": {}}}
            route.fulfill(status=503, json=lost, headers={"Retry-After": "2"})
        else:
            route.fulfill(response=answered)

    page.route("**/v1/payments", lose_the_first_answer)
    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    page.get_by_label("Amount to pay with points").fill("5.00")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("this may have been recorded").wait_for()
    page.get_by_label("Amount to pay with points").fill("5.00")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 5.00 with 5 points").first.wait_for()

    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "35.00"
    assert errors == []


def test_a_till_without_a_key_asks_for_one_and_refuses_an_admin_key(browser: Any, shop: Shop) -> None:
    page, errors = open_page(browser, width=1024, height=768)
    page.goto(f"{shop.url}/till")
    page.get_by_label("Pos key").fill(shop.admin_key)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_text("not allowed").wait_for()
    page.get_by_label("Pos key").fill(shop.pos_key)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_role("button", name="Loyalty Account").wait_for()
    assert errors == []
