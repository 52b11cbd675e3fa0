"""A refusal of several fields is shown all at once, each beside its field and said by the form's own labels."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def test_a_shared_code_refused_on_two_fields_shows_both_by_their_labels(browser: Any, shop: Shop) -> None:
    shop.benefit(name="Free small popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    page, errors = open_page(browser, width=1280, height=800)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("link", name="Promo codes").click()
    page.get_by_text("No shared codes yet.").wait_for()  # the view is loaded: its benefit choices are in the form
    form = page.locator("#code-form")
    form.get_by_label("Code", exact=True).fill("SUMMER10")
    form.get_by_label("Uses in all").fill("0")
    form.get_by_label("Uses per member").fill("-1")
    form.get_by_role("button", name="Create code").click()
    message = page.locator("#code-message")
    expect(message).to_contain_text("Uses in all: Input should be greater than or equal to 1.")
    expect(message).to_contain_text("Uses per member: Input should be greater than or equal to 1.")
    expect(form.locator(".field-error")).to_have_count(2)
    expect(form.get_by_label("Uses in all")).to_be_focused()
    assert "max_uses" not in message.inner_text().lower().replace(" ", "_")
    assert shop.admin("GET", "/v1/codes", expect=200)["items"] == []

    form.get_by_label("Uses in all").fill("100")
    form.get_by_label("Uses per member").fill("1")
    form.get_by_role("button", name="Create code").click()
    expect(message).to_have_text("Code SUMMER10 is ready to use at the till.")
    expect(form.locator(".field-error")).to_have_count(0)
    assert errors == []
