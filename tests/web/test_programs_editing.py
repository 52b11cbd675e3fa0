"""Deals and punch cards edited, stopped and resumed in the Campaign Center, in a real browser: every change that
reaches the tills asks first, keeps what its form does not show, and is checked at the server."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser


def open_programs(browser: Any, shop: Shop) -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=1280, height=800)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("link", name="Programs").click()
    page.get_by_role("heading", name="Programs").wait_for()
    return page, errors


def confirm(page: Any, title: str, answer: str) -> None:
    dialog = page.locator("#confirm-dialog")
    expect(dialog.locator("#confirm-title")).to_have_text(title)
    dialog.get_by_role("button", name=answer).click()


def cola_deal(shop: Shop) -> dict[str, Any]:
    deal = {
        "type": "discount",
        "discount": {"percent": "20", "max": "5.00"},
        "items": {"codes": ["COLA"], "departments": ["drinks"]},
    }
    return shop.rule(
        name="Gold: 20% off cola",
        trigger="purchase",
        status="active",
        conditions={"member_tags": ["gold"], "weekdays": ["fri"]},
        actions=[deal],
    )


def test_a_deal_is_edited_stopped_and_resumed_and_keeps_what_its_form_does_not_show(browser: Any, shop: Shop) -> None:
    made = cola_deal(shop)
    page, errors = open_programs(browser, shop)
    entry = page.locator("#deals-list li", has_text="Gold: 20% off cola")
    expect(entry).to_contain_text("20% off COLA, drinks (at most 5.00) · members tagged gold")

    entry.get_by_role("button", name="Edit Gold: 20% off cola").click()
    deal = page.locator("#deal-form")
    expect(page.locator("#deal-form-title")).to_have_text("Edit “Gold: 20% off cola”")
    expect(deal.get_by_label("Deal percentage")).to_have_value("20")
    expect(deal.get_by_label("Deal items (SKUs)")).to_have_value("COLA")
    expect(deal.get_by_label("Deal audience tags")).to_have_value("gold")
    deal.get_by_label("Deal title").fill("Gold: 25% off cola")
    deal.get_by_label("Deal percentage").fill("25")
    deal.get_by_role("button", name="Save deal").click()
    confirm(page, "Change “Gold: 20% off cola”?", "Cancel")
    expect(page.locator("#deal-message")).to_have_text("Not saved: nothing changed at the tills.")
    assert shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)["revision"] == 1

    deal.get_by_role("button", name="Save deal").dblclick()
    confirm(page, "Change “Gold: 20% off cola”?", "Change")
    expect(page.locator("#deal-message")).to_have_text("“Gold: 25% off cola” saved (active).")
    expect(page.locator("#deal-form-title")).to_have_text("New deal")
    saved = shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)
    assert saved["revision"] == 2 and saved["status"] == "active" and saved["name"] == "Gold: 25% off cola"
    assert saved["actions"] == [
        {
            "type": "discount",
            "discount": {"percent": "25", "max": "5.00"},
            "items": {"codes": ["COLA"], "departments": ["drinks"]},
        }
    ]
    assert saved["conditions"]["weekdays"] == ["fri"] and saved["conditions"]["member_tags"] == ["gold"]

    entry = page.locator("#deals-list li", has_text="Gold: 25% off cola")
    entry.get_by_role("button", name="Stop Gold: 25% off cola").dblclick()
    confirm(page, "Stop “Gold: 25% off cola”?", "Stop")
    expect(page.locator("#deals-message")).to_have_text("“Gold: 25% off cola” is stopped: the tills no longer give it.")
    expect(entry.locator(".badge")).to_have_text("stopped")
    assert shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)["status"] == "stopped"

    entry.get_by_role("button", name="Resume Gold: 25% off cola").click()
    confirm(page, "Resume “Gold: 25% off cola”?", "Resume")
    expect(entry.locator(".badge")).to_have_text("active")
    assert shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)["status"] == "active"
    assert errors == []


def test_a_deal_opens_in_the_rule_editor_as_a_deal_and_is_saved_as_one(browser: Any, shop: Shop) -> None:
    made = cola_deal(shop)
    page, errors = open_programs(browser, shop)
    page.get_by_role("link", name="Rules", exact=True).click()
    row = page.locator("#rules-body tr", has_text="Gold: 20% off cola")
    expect(row).to_contain_text("deal: 20% off COLA, drinks (at most 5.00)")
    row.get_by_role("link", name="Edit Gold: 20% off cola").click()
    form = page.locator("#rule-form")
    expect(form.get_by_label("What happens")).to_have_value("discount")
    expect(form.get_by_label("Deal percentage")).to_have_value("20")
    expect(form.get_by_label("At most (money)")).to_have_value("5.00")
    expect(form.get_by_label("Only item codes")).to_have_value("COLA")
    expect(form.get_by_label("Exclude item codes")).to_be_hidden()
    expect(form.get_by_label("Points", exact=True)).to_be_hidden()
    assert "undefined" not in page.locator("body").inner_text()

    form.get_by_label("or money off").fill("2.00")
    form.get_by_role("button", name="Save changes").click()
    expect(form.locator(".field-error", has_text="a deal is a percentage or money off, not both")).to_be_visible()
    expect(page.locator("#rule-message")).to_have_text("2 things to fix, each shown beside its field.")
    assert shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)["revision"] == 1

    form.get_by_label("Deal percentage").fill("")
    form.get_by_label("At most (money)").fill("")
    form.get_by_role("button", name="Save changes").click()
    confirm(page, "Change “Gold: 20% off cola”?", "Change")
    page.locator("#rules-body tr", has_text="deal: 2.00 off COLA, drinks").wait_for()
    saved = shop.admin("GET", f"/v1/rules/{made['id']}", expect=200)
    assert saved["revision"] == 2
    assert saved["actions"] == [
        {"type": "discount", "discount": {"amount": "2.00"}, "items": {"codes": ["COLA"], "departments": ["drinks"]}}
    ]
    assert errors == []


def test_a_punch_card_is_edited_stopped_and_resumed_and_a_stopped_card_punches_nothing(
    browser: Any, shop: Shop
) -> None:
    coffee = shop.benefit(name="Free coffee", kind="free_item", items={"codes": ["COFFEE"]})
    card = shop.admin(
        "POST",
        "/v1/punch-cards",
        {
            "name": "10th coffee free",
            "punches_required": 10,
            "items": {"codes": ["COFFEE"], "departments": ["hot drinks"]},
            "reward_benefit_id": coffee["id"],
            "valid_days": 30,
        },
        expect=201,
    )
    ada = shop.member("079 123 45 67", first_name="Ada")
    page, errors = open_programs(browser, shop)
    entry = page.locator("#punch-cards-list li", has_text="10th coffee free")
    entry.get_by_role("button", name="Edit 10th coffee free").click()
    form = page.locator("#punch-card-form")
    expect(page.locator("#punch-card-form-title")).to_have_text("Edit “10th coffee free”")
    expect(form.get_by_label("Punches to fill")).to_have_value("10")
    form.get_by_label("Card title").fill("8th coffee free")
    form.get_by_label("Punches to fill").fill("8")
    form.get_by_role("button", name="Save punch card").dblclick()
    expect(page.locator("#punch-card-message")).to_have_text(
        "“8th coffee free” saved: it counts so from the next purchase."
    )
    (saved,) = shop.admin("GET", "/v1/punch-cards", expect=200)
    assert (saved["id"], saved["name"], saved["punches_required"]) == (card["id"], "8th coffee free", 8)
    assert saved["items"] == {"codes": ["COFFEE"], "departments": ["hot drinks"]} and saved["valid_days"] == 30
    assert saved["status"] == "active"

    entry = page.locator("#punch-cards-list li", has_text="8th coffee free")
    entry.get_by_role("button", name="Stop 8th coffee free").click()
    confirm(page, "Stop “8th coffee free”?", "Cancel")
    expect(page.locator("#punch-cards-message")).to_have_text("Nothing changed: “8th coffee free” is still active.")
    entry.get_by_role("button", name="Stop 8th coffee free").click()
    confirm(page, "Stop “8th coffee free”?", "Stop")
    expect(entry.locator(".badge")).to_have_text("stopped")
    assert shop.admin("GET", f"/v1/punch-cards/{card['id']}", expect=200)["status"] == "stopped"

    coffee_sale = {
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "COFFEE", "quantity": 1, "amount": "4.00"}],
    }
    shop.pos("POST", "/v1/purchases", {"transaction_id": "STOPPED", **coffee_sale}, expect=201)
    assert shop.admin("GET", f"/v1/members/{ada['id']}/punch-cards", expect=200) == []

    entry.get_by_role("button", name="Resume 8th coffee free").click()
    confirm(page, "Resume “8th coffee free”?", "Resume")
    expect(entry.locator(".badge")).to_have_text("active")
    shop.pos("POST", "/v1/purchases", {"transaction_id": "RESUMED", **coffee_sale}, expect=201)
    (punched,) = shop.admin("GET", f"/v1/members/{ada['id']}/punch-cards", expect=200)
    assert (punched["punches"], punched["punches_required"]) == (1, 8)
    assert errors == []
