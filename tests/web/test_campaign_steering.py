"""The Campaign Center as a marketer steers by it, in a real browser: rules tried together in any mix, a
backtest on recorded sales, confirmations before anything changes at the tills, every mistake of a form at once."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser

DAIRY = {"departments": ["Dairy"]}


def rate(name: str, points: str, status: str = "active", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "trigger": "purchase",
        "status": status,
        "actions": [{"type": "add_points", "mode": "rate", "points": points, "per": "1.00", "items": DAIRY}],
        **extra,
    }


def open_center(browser: Any, shop: Shop, view: str = "dashboard") -> tuple[Any, list[str]]:
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("heading", name="Dashboard").wait_for()
    if view != "dashboard":
        page.goto(f"{shop.url}/campaigns#/{view}")
    return page, errors


def test_two_drafts_are_tried_together_with_an_active_rule(browser: Any, shop: Shop) -> None:
    shop.admin("POST", "/v1/rules", rate("Live: 1 per 1.00", "1"), expect=201)
    shop.admin("POST", "/v1/rules", rate("Draft: 2 per 1.00", "2", "draft"), expect=201)
    shop.admin("POST", "/v1/rules", rate("Stopped: 3 per 1.00", "3", "stopped"), expect=201)
    shop.admin(
        "POST", "/v1/rules", rate("Draft: VIP only", "5", "draft", conditions={"member_tags": ["VIP"]}), expect=201
    )
    shop.admin("POST", "/v1/rules", rate("Draft: not chosen", "7", "draft"), expect=201)
    page, errors = open_center(browser, shop, "basket")
    choices = page.locator("#basket-rules")
    expect(choices.get_by_label("Live: 1 per 1.00")).to_be_checked()  # the active ones are chosen at first
    expect(choices.get_by_label("Draft: 2 per 1.00")).not_to_be_checked()
    choices.get_by_label("Draft: 2 per 1.00").check()
    choices.get_by_label("Stopped: 3 per 1.00").check()
    choices.get_by_label("Draft: VIP only").check()
    page.get_by_role("button", name="Add an empty line").click()
    line = page.locator(".basket-line").first
    line.get_by_label("Item").fill("Milk")
    line.get_by_label("Code").fill("MILK")
    line.get_by_label("Department").fill(" dairy")  # as a till may send it
    line.get_by_label("Line total").fill("4.00")
    page.get_by_role("button", name="Try", exact=True).click()
    result = page.locator("#basket-result")
    expect(result.locator("[data-points]")).to_have_text("+24")  # 4 + 8 + 12
    for name in ("Live: 1 per 1.00", "Draft: 2 per 1.00", "Stopped: 3 per 1.00"):
        expect(result).to_contain_text(name)
    expect(result).to_contain_text("Why the other rules give nothing")
    expect(result).to_contain_text("only for members tagged VIP")
    expect(result).not_to_contain_text("Draft: not chosen")
    screenshot(page, "try-together.png", full_page=True)
    # Nothing changed at the tills.
    statuses = {rule["name"]: rule["status"] for rule in shop.admin("GET", "/v1/rules")}
    assert statuses["Draft: 2 per 1.00"] == "draft" and statuses["Stopped: 3 per 1.00"] == "stopped"
    assert errors == []


def test_in_french_a_tried_basket_says_why_a_rule_gives_nothing_in_french(browser: Any, shop: Shop) -> None:
    shop.rule(**rate("Clients VIP", "5", conditions={"member_tags": ["VIP"]}))
    shop.rule(**rate("Gros panier", "2", conditions={"min_spend": "1234.50"}))
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/campaigns?lang=fr#key={shop.admin_key}")
    page.get_by_role("heading", name="Tableau de bord").wait_for()
    page.goto(f"{shop.url}/campaigns#/basket")
    page.get_by_role("heading", name="Essayer un panier").wait_for()
    expect(page.locator("#basket-rules input:checked")).to_have_count(2)
    page.locator("#basket-add").select_option("TICKET-ADULT")
    page.locator("#basket-form button[type=submit]").click()
    result = page.locator("#basket-result")
    expect(result).to_contain_text("Pourquoi les autres règles ne donnent rien")
    expect(result).to_contain_text("seulement pour les membres étiquetés VIP")
    expect(result).to_contain_text("demande un achat d'au moins 1'234,50 (celui-ci est de 18,00)")
    expect(result).not_to_contain_text("only for members tagged")
    assert errors == []


def test_a_backtest_run_from_the_page_shows_its_figures_and_chart(browser: Any, shop: Shop) -> None:
    live = shop.admin("POST", "/v1/rules", rate("Live: 1 per 1.00", "1"), expect=201)
    member = shop.member("079 555 12 34", first_name="Ada")
    confirmed = []
    for number in range(3):
        sale = {
            "transaction_id": f"T-{number}",
            "member_id": member["id"],
            "items": [{"line_id": "1", "code": "MILK", "department": "dairy", "quantity": 1, "amount": "10.00"}],
            "payments": [{"mop": "cash", "amount": "10.00"}],
        }
        confirmed.append(shop.pos("POST", "/v1/purchases", sale, expect=201))
    page, errors = open_center(browser, shop)
    page.goto(f"{shop.url}/campaigns#/rules/new")
    page.get_by_role("heading", name="New rule").wait_for()
    editor = page.locator('[data-view="rule"]')
    editor.get_by_label("Name", exact=True).fill("Double dairy")
    action = page.locator(".action-box").first
    action.get_by_role("radio", name=re.compile("By rate")).check()
    action.get_by_label("Points", exact=True).fill("2")
    action.get_by_label("Per amount spent", exact=True).fill("1.00")
    action.get_by_label("Only departments", exact=True).fill("DAIRY")
    page.get_by_role("button", name="Backtest it on past sales").click()
    page.get_by_role("heading", name="Backtest on past sales").wait_for()
    choices = page.locator("#backtest-rules")
    expect(choices.get_by_label("Double dairy")).to_be_checked()
    expect(choices.get_by_label("Live: 1 per 1.00")).not_to_be_checked()
    page.get_by_role("button", name="Run the backtest").click()
    expect(page.locator("#backtest-progress-text")).to_have_text("Done: 3 purchases replayed.")
    expect(page.locator("#bt-points")).to_have_text("60")
    expect(page.locator("#bt-points-note")).to_contain_text("the live rules gave 30")
    expect(page.locator("#bt-members")).to_have_text("1")
    expect(page.locator("#bt-cost")).to_contain_text("60.00")
    expect(page.locator("#backtest-chart svg rect.bar-earned")).to_have_count(30)
    expect(page.locator("#backtest-rules-body")).to_contain_text("Double dairy")
    per_rule = page.locator("#backtest-rules-chart svg")
    expect(per_rule.locator("rect.bar-earned")).to_have_count(2)  # Double dairy, and the live rule not backtested
    expect(per_rule).to_contain_text("Live: 1 per 1.00 (not backtested)")
    expect(page.locator("#backtest-actual-body")).to_contain_text("Live: 1 per 1.00")
    assert Decimal(shop.admin("GET", f"/v1/members/{member['id']}")["points_balance"]) == 30  # nothing written
    assert [rule["id"] for rule in shop.admin("GET", "/v1/rules")] == [live["id"]]
    screenshot(page, "backtest.png", full_page=True)
    # The dashboard says what took points back: a cancel and a return, each by its name.
    shop.pos("POST", f"/v1/purchases/{confirmed[0]['id']}/cancel", expect=200)
    returned = {"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]}
    shop.pos("POST", f"/v1/purchases/{confirmed[1]['id']}/returns", returned, expect=201)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("#stat-earned-note")).to_have_text("taken back: 10 by cancelled purchases, 10 by returns")
    expect(page.locator("#rule-figures-body")).to_contain_text("Live: 1 per 1.00")
    expect(page.locator("#rule-figures-chart svg rect.bar-earned")).to_have_count(1)
    screenshot(page, "rule-figures.png", full_page=True)
    assert errors == []


def test_activating_and_stopping_need_a_confirmation_that_says_what_changes_at_the_tills(
    browser: Any, shop: Shop
) -> None:
    made = shop.admin(
        "POST", "/v1/rules", rate("Tuesday dairy", "2", "draft", conditions={"weekdays": ["tue"]}), expect=201
    )
    page, errors = open_center(browser, shop, "rules")
    row = page.locator("#rules-body tr", has_text="Tuesday dairy")
    expect(row).to_contain_text("only on Tue")  # the list shows the conditions and validity in words
    expect(row).to_contain_text("no end date")
    row.get_by_role("button", name="Activate Tuesday dairy").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("every till gives")
    expect(dialog).to_contain_text("only on Tue")
    screenshot(page, "activate-confirmation.png")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#cc-message")).to_contain_text("Nothing changed")
    assert shop.admin("GET", f"/v1/rules/{made['id']}")["status"] == "draft"
    row.get_by_role("button", name="Activate Tuesday dairy").click()
    dialog.get_by_role("button", name="Activate", exact=True).click()
    expect(row.locator(".badge")).to_have_text("active")
    assert shop.admin("GET", f"/v1/rules/{made['id']}")["status"] == "active"
    row.get_by_role("button", name="Stop Tuesday dairy").click()
    expect(dialog).to_contain_text("no longer give")
    dialog.get_by_role("button", name="Stop", exact=True).click()
    expect(row.locator(".badge")).to_have_text("stopped")
    assert errors == []


def test_a_form_with_three_mistakes_shows_three_sentences_at_once(browser: Any, shop: Shop) -> None:
    page, errors = open_center(browser, shop, "rules/new")
    page.get_by_role("heading", name="New rule").wait_for()
    placeholder = page.locator(".action-box").first.get_by_label("Points", exact=True).get_attribute("placeholder")
    assert placeholder and placeholder.startswith("e.g.")  # an example, not a value
    action = page.locator(".action-box").first
    action.get_by_role("radio", name=re.compile("By rate")).check()
    page.locator('[data-view="rule"]').get_by_label("Minimum spend").fill("twenty")
    # No name, no points, no amount per points, and a minimum spend that is not an amount: four mistakes.
    page.get_by_role("button", name="Save as draft").click()
    errors_shown = page.locator("#rule-form .field-error")
    expect(errors_shown).to_have_count(4)
    expect(page.locator("#rule-message")).to_have_text("4 things to fix, each shown beside its field.")
    screenshot(page, "rule-form-mistakes.png", full_page=True)
    texts = errors_shown.all_inner_texts()
    assert "Points: enter how many points, like 10." in texts
    assert "Per amount spent: enter an amount, like 1.00." in texts
    assert "Minimum spend: enter an amount, like 20.00." in texts
    for label in ("Points", "Per amount spent"):
        expect(action.get_by_label(label, exact=True)).to_have_attribute("aria-invalid", "true")
    assert shop.admin("GET", "/v1/rules") == []
    assert errors == []
