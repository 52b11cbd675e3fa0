"""The till in a real browser: points never pay more than the sale, the rest is paid by the business's means of
payment (split if need be), a scanner is read whatever has the focus, and a refused code never blocks a sale."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, screenshot
from tests.web.test_till import cinema, open_till

pytestmark = pytest.mark.browser


def find_ada(page: Any, phone: str = "079 123 45 67") -> None:
    page.get_by_role("button", name="Loyalty Account").click()
    page.get_by_label("Phone number or member code").fill(phone)
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()


def recorded(shop: Shop, page: Any) -> dict[str, Any]:
    """The purchase the receipt shows, read back from the server."""
    transaction_id = page.locator("#receipt .receipt-head p").inner_text().split(" · ")[0]
    found = shop.pos("GET", f"/v1/purchases?transaction_id={transaction_id}", expect=200)
    detail: dict[str, Any] = shop.pos("GET", f"/v1/purchases/{found[0]['id']}", expect=200)
    return detail


def test_overpaying_with_points_is_impossible_at_the_till(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Child ticket").click()
    find_ada(page)
    expect(page.locator("#sale-totals .total-row.total dd")).to_have_text("12.00")

    amount = page.get_by_label("Amount to pay with points")
    amount.fill("99999")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("The sale still owes 12.00: points can pay at most that").wait_for()
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "40.00", "nothing was sent"

    page.get_by_role("button", name="Fill in the whole amount due").click()
    expect(amount).to_have_value("12.00")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 12.00 with 12 points").first.wait_for()
    expect(page.locator("#tenders")).to_be_hidden()  # nothing is left for another means of payment
    page.get_by_role("button", name="Fill in the whole amount due").click()
    expect(amount).to_have_value("")
    amount.fill("1")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Nothing is left to pay").wait_for()

    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    rows = receipt.locator(".receipt-totals .total-row").all_inner_texts()
    assert [" ".join(row.split()) for row in rows] == ["Total 12.00", "Paid with points 12.00"]
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"] == "28.00"
    assert recorded(shop, page)["payments"] == [{"mop": "points", "amount": "12.00"}]
    assert errors == []


def test_a_card_and_points_split_records_mop_card_and_a_three_way_split_adds_up(browser: Any, shop: Shop) -> None:
    cinema(shop)
    shop.admin("PATCH", "/v1/business", {"means_of_payment": ["cash", "card", "voucher"]}, expect=200)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Adult ticket").click()
    find_ada(page)
    page.get_by_label("Amount to pay with points").fill("5")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 5.00 with 5 points").first.wait_for()
    tenders = page.locator("#tenders")
    expect(tenders.get_by_label("Means of payment")).to_have_value("cash")
    assert tenders.get_by_label("Means of payment").locator("option").all_inner_texts() == ["cash", "card", "voucher"]
    tenders.get_by_label("Means of payment").select_option("card")
    expect(tenders.locator("[data-tender-rest]")).to_have_text("13.00")
    # Tickets earn on what is not paid with points, and the quote already counts it as card.
    page.locator(".points-preview", has_text="13.00 paid in card").wait_for()
    screenshot(page, "till-split.png")
    page.get_by_role("button", name="Confirm sale").click()
    page.locator("#receipt").get_by_role("heading", name="Sale confirmed").wait_for()
    assert "Paid by card" in page.locator("#receipt").inner_text()
    assert recorded(shop, page)["payments"] == [
        {"mop": "card", "amount": "13.00"},
        {"mop": "points", "amount": "5.00"},
    ]

    page.get_by_role("button", name="New sale").click()
    page.get_by_role("button", name="Add Adult ticket").click()
    page.get_by_role("button", name="Add Adult ticket").click()
    expect(page.locator("#sale-totals .total-row.total dd")).to_have_text("36.00")
    page.get_by_role("button", name="Split payment").click()
    page.get_by_role("button", name="Split payment").click()
    page.get_by_label("Means of payment 1").select_option("voucher")
    page.get_by_label("Amount paid by voucher").fill("40")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Confirm sale").click()
    page.get_by_text("40.00 by voucher is more than the 36.00 left to pay.").wait_for()
    page.get_by_label("Amount paid by voucher").fill("20")
    page.keyboard.press("Tab")
    page.get_by_label("Means of payment 2").select_option("card")
    page.get_by_label("Amount paid by card").fill("10.50")
    page.keyboard.press("Tab")
    page.get_by_label("Means of payment 3").select_option("cash")
    expect(page.locator("[data-tender-rest]")).to_have_text("5.50")
    page.get_by_role("button", name="Confirm sale").click()
    page.locator("#receipt").get_by_role("heading", name="Sale confirmed").wait_for()
    assert recorded(shop, page)["payments"] == [
        {"mop": "voucher", "amount": "20.00"},
        {"mop": "card", "amount": "10.50"},
        {"mop": "cash", "amount": "5.50"},
    ]
    assert errors == []


def test_a_scan_with_the_focus_on_a_product_button_identifies_the_member(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    ticket = page.get_by_role("button", name="Add Adult ticket")
    ticket.click()
    ticket.focus()
    issued = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)
    page.keyboard.type(issued["qr"] + "\n")  # a handheld scanner: a burst of keys and Enter
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(page.locator("li.line")).to_have_count(1)
    expect(page.locator("li.line .qty")).to_have_text("1 × 18.00")  # the Enter did not press the button

    # A product's code scanned into the promo code field adds the product and leaves the field as it was.
    code_field = page.get_by_label("Use a Code")
    code_field.fill("SUM")
    code_field.focus()
    page.keyboard.type("POPCORN-S\n")
    page.locator("li.line", has_text="Popcorn small").wait_for()
    expect(code_field).to_have_value("SUM")
    expect(code_field).to_be_focused()
    expect(page.locator("#codes .chip")).to_have_count(0)
    assert errors == []


def test_a_rejected_code_shows_the_servers_reason_and_the_sale_confirms_without_it(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    five_off = shop.benefit(name="5.00 off once", kind="discount", discount={"amount": "5.00"})
    shop.admin("POST", "/v1/codes", {"code": "ONCE5", "benefit_id": five_off["id"], "max_uses": 1}, expect=201)
    spent = {
        "transaction_id": "ELSEWHERE",
        "items": [{"line_id": "1", "amount": "20.00"}],
        "codes": ["ONCE5"],
    }
    shop.pos("POST", "/v1/purchases", spent, expect=201)

    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Adult ticket").click()
    find_ada(page)
    page.get_by_label("Use a Code").fill("once5")
    page.keyboard.press("Enter")
    chip = page.locator(".chip", has_text="ONCE5")  # a till is not told "used" from "unknown"
    chip.get_by_text("Not applied: unknown or already used").wait_for()
    expect(page.locator("#sale-totals .total-row.total dd")).to_have_text("18.00")
    expect(page.get_by_role("button", name="Confirm sale")).to_be_enabled()
    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    assert "5.00 off" not in receipt.inner_text()
    sale = recorded(shop, page)
    assert sale["total"] == "18.00" and sale["discounts"] == []
    assert Decimal(shop.admin("GET", f"/v1/members/{ada['id']}")["points_balance"]) == 58
    assert errors == []


def test_a_benefit_spent_at_another_till_meanwhile_never_blocks_the_confirmation(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    page.get_by_role("button", name="Add Popcorn small").click()
    page.get_by_role("button", name="Add Adult ticket").click()
    find_ada(page)
    page.locator("#member").get_by_role("button", name="Apply Free small popcorn").click()
    expect(page.locator("#sale-totals .total-row.total dd")).to_have_text("18.00")

    wallet = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)["benefits"]
    other_till = {
        "transaction_id": "OTHER-TILL",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "POPCORN-S", "amount": "6.50"}],
        "benefits": [wallet[0]["id"]],
    }
    shop.pos("POST", "/v1/purchases", other_till, expect=201)

    page.get_by_role("button", name="Confirm sale").click()
    receipt = page.locator("#receipt")
    receipt.get_by_role("heading", name="Sale confirmed").wait_for()
    assert "Free small popcorn" not in receipt.inner_text()
    assert recorded(shop, page)["total"] == "24.50"
    assert errors == []


def scanner_types(page: Any, text: str) -> None:
    """What a USB scanner sends: each key pressed and released, Shift held around capitals and "_", then Enter;
    a key every 5 to 10 ms (each key is held 3 ms, Playwright's round trip to the browser is the rest)."""
    for char in text:
        page.keyboard.press(f"Shift+{char}" if char.isupper() or char == "_" else char, delay=3)
    page.keyboard.press("Enter", delay=3)


def test_a_usb_scanner_is_read_whatever_has_the_focus_and_its_enter_presses_nothing(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_till(browser, shop)
    page.evaluate(
        """() => { window.keyTimes = [];
        document.addEventListener("keydown", (event) => window.keyTimes.push(event.timeStamp), true); }"""
    )
    ticket = page.get_by_role("button", name="Add Adult ticket")
    ticket.click()
    qr = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)["qr"]
    assert any(char.isupper() for char in qr)

    # The focus on Confirm: the scan finds the member, its Enter does not confirm the sale.
    confirm = page.get_by_role("button", name="Confirm sale")
    expect(confirm).to_be_enabled()
    confirm.focus()
    scanner_types(page, qr)
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(page.locator("#receipt")).to_be_hidden()
    assert shop.pos("GET", "/v1/purchases", expect=200) == []
    gaps = page.evaluate("window.keyTimes.slice(1).map((at, i) => at - window.keyTimes[i])")
    print(f"scanner pace: median {sorted(gaps)[len(gaps) // 2]:.1f} ms a key over {len(gaps) + 1} keys")

    # The focus on a product: a product's code adds that product, the Enter does not add the focused one.
    ticket.focus()
    scanner_types(page, "POPCORN-S")
    page.locator("li.line", has_text="Popcorn small").wait_for()
    expect(page.locator("li.line", has_text="Adult ticket").locator(".qty")).to_have_text("1 × 18.00")

    # The focus in a field: the field keeps what it held, and its form is not submitted.
    page.get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator("#member")).to_be_hidden()
    field = page.get_by_label("Use a Code")
    field.fill("SUM")
    field.focus()
    short = shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)["code"]
    scanner_types(page, short)
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(field).to_have_value("SUM")
    expect(page.locator("#codes .chip")).to_have_count(0)

    # The focus on nothing: the scan is read all the same.
    page.get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator("#member")).to_be_hidden()
    page.evaluate("document.activeElement.blur()")
    scanner_types(page, shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)["qr"])
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(page.locator("li.line")).to_have_count(2)
    assert shop.pos("GET", "/v1/purchases", expect=200) == []
    assert errors == []
