"""Names a marketer translated, in a real browser: the member app in French shows the French names of a rule
(its history), a benefit (the wallet, with why it cannot be used, in French), a punch card and a shop item; the
till in German names the wallet's benefit in German, and an item translated into French only as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page

PERCENT = {"type": "add_points", "mode": "percent", "percent": "10", "items": {"departments": ["tix"]}}


def programme(shop: Shop) -> dict[str, Any]:
    shop.rule(name="Cinema club", names={"fr": "Club cinéma", "de": "Kinoklub"}, trigger="purchase", actions=[PERCENT])
    coffee = shop.benefit(
        name="Free coffee",
        names={"fr": "Café offert", "de": "Gratis Kaffee"},
        kind="discount",
        discount={"amount": "4.00"},
    )
    used_up = shop.benefit(name="Old voucher", names={"fr": "Ancien bon"}, kind="discount", discount={"amount": "1"})
    shop.benefit(name="Popcorn", names={"fr": "Pop-corn"}, kind="discount", discount={"amount": "5"}, price_points="1")
    card = {
        "name": "Coffee card",
        "names": {"fr": "Carte café"},
        "punches_required": 5,
        "items": {"departments": ["tix"]},
        "reward_benefit_id": coffee["id"],
    }
    shop.admin("POST", "/v1/punch-cards", card, expect=201)
    ada = shop.member("079 123 45 67", first_name="Ada", last_name="Lovelace")
    path = f"/v1/members/{ada['id']}/benefits"
    shop.admin("POST", path, {"benefit_id": coffee["id"]}, expect=201)
    old = shop.admin("POST", path, {"benefit_id": used_up["id"]}, expect=201)
    shop.admin("POST", f"{path}/{old['id']}/deactivate", None, expect=200)
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "FILM", "department": "tix", "quantity": "1", "amount": "100.00"}],
        "payments": [{"mop": "cash", "amount": "100.00"}],
    }
    shop.pos("POST", "/v1/purchases", sale, expect=201)
    return ada


def test_the_member_app_in_french_shows_the_french_names(browser: Any, shop: Shop, outbox: Path) -> None:
    programme(shop)
    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}?lang=fr")
    page.locator("#tab-login").click()
    page.locator("#login-who").fill("079 123 45 67")
    page.locator("#login-form button[type=submit]").click()
    page.locator("#verify-code").fill(last_code(outbox, phone="+41791234567"))
    page.locator("#verify-form button[type=submit]").click()
    page.get_by_text("Bonjour Ada").wait_for()
    expect(page.locator("#history")).to_contain_text("Club cinéma")
    expect(page.locator("#benefits")).to_contain_text("Café offert")
    expect(page.locator("#benefits")).to_contain_text("Ancien bon")
    expect(page.locator("#benefits")).to_contain_text("désactivé")
    expect(page.locator("#punch-cards")).to_contain_text("Carte café")
    expect(page.locator("#shop")).to_contain_text("Pop-corn")
    shown = page.locator("main").inner_text()
    for written in ("Cinema club", "Free coffee", "Old voucher", "Coffee card", "deactivated"):
        assert written not in shown
    assert errors == []


def test_the_till_in_german_names_the_wallet_s_benefit_in_german(browser: Any, shop: Shop) -> None:
    programme(shop)
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/till?lang=de#key={shop.pos_key}")
    page.get_by_role("button", name="Treuekonto").click()
    page.locator("#search-input").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(page.locator("#member")).to_contain_text("Gratis Kaffee")
    expect(page.locator("#member")).to_contain_text("Popcorn")  # the shop's item, untranslated in German
    assert "Free coffee" not in page.locator("#member").inner_text()
    assert errors == []
