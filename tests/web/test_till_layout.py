"""The till on the screens it runs on (a 1024×768 tablet, 1280×800, a 1366×768 laptop): with a member and a payment
on the sale, every line of the sale, the total, Confirm and the sale's message are on screen, not scrolled away
nor squeezed to nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot
from tests.web.test_till import cinema
from tests.web.test_till_payments import find_ada

pytestmark = pytest.mark.browser

# Where an element is drawn and whether it is the one seen at its centre (not clipped by a scrolled panel, not
# covered by another).
SEEN = """(element) => {
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const top = document.elementFromPoint(x, y);
  return { top: box.top, bottom: box.bottom, left: box.left, right: box.right, height: box.height,
           seen: Boolean(top) && (element === top || element.contains(top)), drawn: element.isConnected };
}"""


def on_screen(page: Any, locator: Any, what: str, size: tuple[int, int]) -> None:
    width, height = size
    box = locator.evaluate(SEEN)
    while not box["drawn"]:  # redrawn by a quote landing meanwhile: look at the new one
        box = locator.evaluate(SEEN)
    assert box["height"] >= 20, f"{what} is squeezed to {box['height']:.0f} px at {width}×{height}"
    assert box["top"] >= 0 and box["bottom"] <= height, f"{what} is off screen at {width}×{height}: {box}"
    assert box["left"] >= 0 and box["right"] <= width, f"{what} is off screen at {width}×{height}: {box}"
    assert box["seen"], f"{what} is hidden by a scrolled panel or covered at {width}×{height}"


@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1366, 768)], ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_line_the_total_and_confirm_are_on_screen(browser: Any, shop: Shop, size: tuple[int, int]) -> None:
    cinema(shop)
    page, errors = open_page(browser, width=size[0], height=size[1])
    page.goto(f"{shop.url}/till#key={shop.pos_key}")
    for product in ("Adult ticket", "Adult ticket", "Child ticket", "Popcorn small", "Cola 5 dl"):
        page.get_by_role("button", name=f"Add {product}").click()
    find_ada(page)
    page.get_by_role("button", name="Apply Free small popcorn").click()
    page.locator("li.line", has_text="Popcorn small").locator(".line-discount").wait_for()
    page.get_by_label("Amount to pay with points").fill("5")
    page.get_by_role("button", name="Pay with points").click()
    page.get_by_text("Paid 5.00 with 5 points").first.wait_for()
    page.locator(".points-preview").wait_for()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"till-{size[0]}x{size[1]}.png")

    lines = page.locator("li.line")
    expect(lines).to_have_count(4)
    for index in range(4):
        on_screen(page, lines.nth(index), f"sale line {index + 1}", size)
    on_screen(page, page.locator("#sale-totals .total-row.total"), "the total", size)
    on_screen(page, page.locator("#sale-totals .total-row.due"), "what is left to pay", size)
    on_screen(page, page.get_by_role("button", name="Confirm sale"), "Confirm", size)

    # A refused points payment is said where the cashier looks: on screen, beside the sale.
    page.get_by_label("Amount to pay with points").fill("99999")
    page.get_by_role("button", name="Pay with points").click()
    message = page.locator("#sale-message")
    expect(message).to_contain_text("points can pay at most that")
    on_screen(page, message, "the refusal of the payment", size)
    assert errors == []
