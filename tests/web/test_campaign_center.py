"""The Campaign Center in a real browser: a marketer builds one rule of each type through the forms, tries a
basket, activates, and purchases made at the till then earn by those rules."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser


def open_center(browser: Any, shop: Shop) -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("heading", name="Dashboard").wait_for()
    assert "key=" not in page.url
    return page, errors


def new_rule(page: Any, name: str, *, trigger: str | None = None) -> Any:
    """Open an empty rule form, name the rule and choose its trigger; returns the (only) action's fieldset."""
    page.get_by_role("link", name="Rules", exact=True).click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_role("heading", name="New rule").wait_for()
    editor(page).get_by_label("Name", exact=True).fill(name)
    if trigger:
        editor(page).get_by_label("When").select_option(trigger)
    return page.locator(".action-box").first


def editor(page: Any) -> Any:
    return page.locator('[data-view="rule"]')


def save(page: Any, button: str = "Save and activate") -> None:
    page.get_by_role("button", name=button).click()
    if button == "Save and activate":  # the tills change: the page asks first
        page.get_by_role("dialog").get_by_role("button", name="Activate", exact=True).click()
    page.get_by_role("heading", name="Rules", exact=True).wait_for()


def mode(action: Any, label: str) -> None:
    action.get_by_role("radio", name=re.compile(label)).check()


def test_a_marketer_builds_one_rule_of_each_type_tries_a_basket_and_purchases_earn_by_them(
    browser: Any, shop: Shop
) -> None:
    page, errors = open_center(browser, shop)

    # A benefit for the grant_benefit rule, through its form.
    page.get_by_role("link", name="Benefits").click()
    page.locator("#benefit-form").get_by_label("Name", exact=True).fill("Free small popcorn")
    page.get_by_label("Kind").select_option(label="A free item")
    page.get_by_label("On item codes").fill("POPCORN-S")
    page.get_by_role("button", name="Create benefit").click()
    page.get_by_text('"Free small popcorn" created').wait_for()

    # Repeat Mode: 10 points per drink, alcohol excluded.
    action = new_rule(page, "Drinks: 10 points each")
    mode(action, "Per quantity")
    action.get_by_label("Points", exact=True).fill("10")
    action.get_by_label("For every (quantity)", exact=True).fill("1")
    action.get_by_label("Only departments", exact=True).fill("drinks")
    action.get_by_label("Exclude item tags", exact=True).fill("alcohol")
    save(page)

    # Add by Rate, not on points; first a mistake the server names, then "try a basket" on the draft.
    action = new_rule(page, "Tickets: 1 point per 1.00")
    mode(action, "By rate")
    action.get_by_label("Points", exact=True).fill("1")
    action.get_by_label("Only departments", exact=True).fill("tickets")
    action.get_by_label("Exclude means of payment", exact=True).fill("points")
    page.get_by_role("button", name="Save and activate").click()
    expect(action.locator(".field-error")).to_contain_text("Per amount spent: enter an amount, like 1.00.")
    expect(action.get_by_label("Per amount spent", exact=True)).to_have_attribute("aria-invalid", "true")
    action.get_by_label("Per amount spent", exact=True).fill("1.00")
    page.get_by_role("button", name="Try it on a basket").click()
    page.get_by_role("heading", name="Try a basket").wait_for()
    page.get_by_label("Add an item from the catalogue").select_option(label="Adult ticket — 18.00")
    page.get_by_label("Add an item from the catalogue").select_option(label="Popcorn small — 6.50")
    page.get_by_label("Qty").first.fill("2")
    expect(page.get_by_label("Line total").first).to_have_value("36.00")
    page.get_by_label("Paid in cash").fill("26.50")
    page.get_by_label("Paid with points").fill("16.00")
    page.get_by_role("button", name="Try", exact=True).click()
    result = page.locator("#basket-result")
    # 36.00 of tickets in a 42.50 basket of which 26.50 is not paid with points: floor(36 × 26.5 / 42.5) = 22.
    expect(result.locator("[data-points]")).to_have_text("+22")
    expect(result).to_contain_text("Tickets: 1 point per 1.00")
    page.get_by_role("link", name="Back to the rule").click()
    expect(editor(page).get_by_label("Name", exact=True)).to_have_value("Tickets: 1 point per 1.00")
    save(page)

    # Add by Percent, saved as a draft and activated from the list.
    action = new_rule(page, "Snacks: 10% in points")
    mode(action, "By percent")
    action.get_by_label("Percent of the spend", exact=True).fill("10")
    action.get_by_label("Only departments", exact=True).fill("snacks")
    save(page, "Save as draft")
    row = page.locator("tr", has_text="Snacks: 10% in points")
    expect(row.locator(".badge")).to_have_text("draft")
    row.get_by_role("button", name="Activate Snacks: 10% in points").click()
    page.get_by_role("dialog").get_by_role("button", name="Activate", exact=True).click()
    expect(row.locator(".badge")).to_have_text("active")

    # Simple Mode on a purchase, with a condition and a limit.
    action = new_rule(page, "Big basket: 5 points")
    action.get_by_label("Points", exact=True).fill("5")
    editor(page).get_by_label("Minimum spend").fill("30.00")
    editor(page).get_by_label("At most, per member").fill("1")
    editor(page).get_by_label("times per").select_option("day")
    save(page)

    # Simple Mode for every other trigger.
    new_rule(page, "Welcome: 50 points", trigger="joined").get_by_label("Points", exact=True).fill("50")
    save(page)
    action = new_rule(page, "500 lifetime points: 100 bonus", trigger="lifetime_points")
    expect(action.get_by_role("radio", name=re.compile("By rate"))).to_be_hidden()  # only a purchase has a spend
    editor(page).get_by_label("Lifetime points at least").fill("500")
    action.get_by_label("Points", exact=True).fill("100")
    save(page)
    new_rule(page, "Code BONUS20: 20 points", trigger="code_used").get_by_label("Points", exact=True).fill("20")
    editor(page).get_by_label("Promo code").fill("BONUS20")
    save(page)
    new_rule(page, "Film review: 15 points", trigger="event").get_by_label("Points", exact=True).fill("15")
    editor(page).get_by_label("Event name").fill("reviewed_a_film")
    save(page)

    # A benefit for the first purchase, once per member.
    action = new_rule(page, "First purchase: free popcorn")
    action.get_by_label("What happens", exact=True).select_option(label="Give a benefit")
    action.get_by_label("Benefit", exact=True).select_option(label="Free small popcorn")
    editor(page).get_by_label("At most, per member").fill("1")
    save(page)

    rules = {rule["name"]: rule for rule in shop.admin("GET", "/v1/rules", expect=200)}
    assert len(rules) == 9 and {rule["status"] for rule in rules.values()} == {"active"}
    assert rules["Drinks: 10 points each"]["actions"][0]["exclude_items"] == {"tags": ["alcohol"]}
    assert rules["Big basket: 5 points"]["limits"] == {"per_member": 1, "period": "day"}
    screenshot(page, "campaign-center.png")

    # The promo code that fires the code_used rule, through the codes form.
    page.get_by_role("link", name="Promo codes").click()
    shared = page.locator("#code-form")
    shared.get_by_label("Code", exact=True).fill("BONUS20")
    shared.get_by_label("Gives").select_option(label="No benefit: fires the promo code rules")
    page.get_by_role("button", name="Create code").click()
    page.get_by_text("Code BONUS20 is ready").wait_for()

    # Then the till and the app do their part, and the member earns by every rule.
    member = shop.pos("POST", "/v1/members", {"phone": "078 111 22 33", "first_name": "Grace"}, expect=201)
    assert member["points_balance"] == "50.00"
    basket = {
        "transaction_id": "T-1",
        "member_id": member["id"],
        "items": [
            {"line_id": "1", "code": "TICKET-ADULT", "department": "tickets", "quantity": 1, "amount": "18.00"},
            {"line_id": "2", "code": "COLA", "department": "drinks", "quantity": 2, "amount": "9.00"},
            {
                "line_id": "3",
                "code": "BEER",
                "department": "drinks",
                "quantity": 1,
                "amount": "6.00",
                "tags": ["alcohol"],
            },
            {"line_id": "4", "code": "POPCORN-S", "department": "snacks", "quantity": 1, "amount": "6.50"},
        ],
        "payments": [{"mop": "cash", "amount": "39.50"}],
    }
    bought = shop.pos("POST", "/v1/purchases", basket, expect=201)
    earned = {award["rule_name"]: Decimal(award["points"]) for award in bought["earned"]}
    assert earned == {
        "Tickets: 1 point per 1.00": Decimal(18),
        "Drinks: 10 points each": Decimal(20),
        "Snacks: 10% in points": Decimal("0.65"),
        "Big basket: 5 points": Decimal(5),
    }
    assert len(bought["granted"]) == 1
    shop.pos("POST", "/v1/codes/redeem", {"code": "bonus20", "member_id": member["id"]}, expect=200)
    event = shop.admin("POST", "/v1/events", {"member_id": member["id"], "name": "reviewed_a_film"}, expect=201)
    assert event["points_balance"] == "128.65"  # 50 + 43.65 + 20 + 15

    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#stat-earned")).to_have_text("128.65")
    expect(page.locator("#stat-outstanding")).to_have_text("128.65")
    expect(page.locator("#chart svg rect.bar-earned")).to_have_count(30)
    assert errors == []


def test_a_marketer_generates_codes_finds_a_member_corrects_points_and_edits_a_rule_as_json(
    browser: Any, shop: Shop, tmp_path: Path
) -> None:
    popcorn = shop.benefit(name="Free small popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    rule = shop.rule(
        name="Welcome: 50 points", trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}]
    )
    ada = shop.member("079 123 45 67", first_name="Ada", last_name="Lovelace", email="ada@example.com")
    shop.member("078 123 45 67", first_name="Grace", last_name="Hopper")
    page, errors = open_center(browser, shop)

    page.get_by_role("link", name="Promo codes").click()
    page.get_by_label("How many").fill("20")
    page.get_by_label("Each gives").select_option(label="Free small popcorn")
    page.get_by_role("button", name="Generate").click()
    page.get_by_text("20 one-time codes made.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the 20 codes (CSV)").click()
    saved = tmp_path / "codes.csv"
    download.value.save_as(saved)
    lines = saved.read_text().strip().splitlines()
    shown = page.locator(".codes-out li").first.inner_text()
    assert len(lines) >= 20 and any(shown in line for line in lines)
    assert shop.pos("POST", "/v1/quotes", {
        "transaction_id": "q", "member_id": ada["id"], "codes": [shown],
        "items": [{"line_id": "1", "code": "POPCORN-S", "amount": "6.50"}],
    })["discount_total"] == "6.50"  # fmt: skip

    page.get_by_role("link", name="Members").click()
    page.get_by_label("Search members").fill("lovelace")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#members-body tr")).to_have_count(1)
    page.get_by_role("button", name="Ada Lovelace").click()
    detail = page.locator("#member-detail")
    detail.get_by_role("heading", name="Ada Lovelace").wait_for()
    detail.get_by_label("Benefit to give").select_option(popcorn["id"])
    detail.get_by_role("button", name="Give benefit").click()
    page.get_by_text("Benefit given.").wait_for()
    detail.get_by_label("Points to add or take away").fill("+12.50")
    detail.get_by_label("Reason").fill("cinema closed early")
    detail.get_by_role("button", name="Correct points").click()
    page.get_by_text("Points corrected.").wait_for()
    expect(detail.locator(".balance-value")).to_have_text("62.50")
    expect(detail).to_contain_text("cinema closed early")
    assert shop.admin("GET", f"/v1/members/{ada['id']}")["benefits"][0]["name"] == "Free small popcorn"

    lausanne = shop.admin("POST", "/v1/branches", {"name": "Lausanne"}, expect=201)
    page.goto(f"{shop.url}/campaigns#/rules/{rule['id']}")
    page.get_by_role("heading", name="Welcome: 50 points").wait_for()
    page.get_by_text("JSON import and export").click()
    page.get_by_role("button", name="Show the form as JSON").click()
    text = page.get_by_label(re.compile("The rule as JSON")).input_value()
    assert '"points": "50"' in text
    page.get_by_label(re.compile("The rule as JSON")).fill(
        text.replace('"50"', '"75"').replace("Welcome: 50", "Welcome: 75")
    )
    page.get_by_role("button", name="Fill the form from this JSON").click()
    expect(editor(page).get_by_label("Name", exact=True)).to_have_value("Welcome: 75 points")
    editor(page).get_by_label("Lausanne").check()
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("dialog").get_by_role("button", name="Change", exact=True).click()  # it is live
    page.get_by_text('"Welcome: 75 points" saved (revision 2, active).').wait_for()
    stored = shop.admin("GET", f"/v1/rules/{rule['id']}")
    assert stored["actions"][0]["points"] == "75" and stored["conditions"]["branches"] == [lausanne["id"]]
    assert errors == []


def test_the_dashboard_warns_when_live_short_codes_make_guessing_likely(browser: Any, shop: Shop) -> None:
    ada = shop.member("079 123 45 67", first_name="Ada")
    page, errors = open_center(browser, shop)
    expect(page.get_by_role("alert")).to_be_hidden()
    shop.admin("POST", f"/v1/members/{ada['id']}/identification-code", expect=201)  # one live 4-digit code
    page.get_by_role("link", name="Rules", exact=True).click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("alert")).to_contain_text("chance a day of finding someone's code")
    assert errors == []
