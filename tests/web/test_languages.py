"""The till and the member app in French, German and Italian in a real browser: a whole sale and a member's
account, with no English left on the screen; and the till keeps the cashier's choice of language.

"No English left" is checked word by word: a word that the English catalogue uses and that the language's own
catalogue never does (an English-only word, such as "Sale", "balance" or "earned") must not be on the screen.
Names that are data (the products, the member, the rule, the business) are left out: they are the shop's words.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page, screenshot
from tests.web.test_till_open_payments import lost_payment

pytestmark = pytest.mark.browser

LOCALES = Path(__file__).resolve().parents[2] / "src" / "loyalty" / "locales"
WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")
# The shop's own words: its products (the demo catalogue), its people, its rule, its business, and the names of
# the languages in the switch.
DATA = {
    "adult",
    "ticket",
    "tickets",
    "child",
    "popcorn",
    "small",
    "large",
    "beer",
    "cola",
    "water",
    "coffee",
    "espresso",
    "nachos",
    "ada",
    "lovelace",
    "cinema",
    "lumière",
    "english",
    "français",
    "deutsch",
    "italiano",
    "chf",
    "film",
    "tix",
    "cash",
    "card",
    "twint",
}
EXPECTED = {
    "fr": {"confirm": "Valider la vente", "account": "Compte fidélité", "sale": "Vente", "hello": "Bonjour Ada"},
    "de": {"confirm": "Verkauf abschliessen", "account": "Treuekonto", "sale": "Verkauf", "hello": "Grüezi Ada"},
    "it": {"confirm": "Conferma la vendita", "account": "Conto fedeltà", "sale": "Vendita", "hello": "Buongiorno Ada"},
}
# Two tickets (18.00 and 12.00) at a point per franc.
TICKETS = {
    "fr": "1 point par tranche de 1,00 sur tickets : 30,00 → 30 × 1 = 30",
    "de": "1 Punkt pro 1.00 auf tickets: 30.00 → 30 × 1 = 30",
    "it": "1 punto ogni 1.00 su tickets: 30.00 → 30 × 1 = 30",
}
# The explanation of 10% on 1234.50, with the Swiss locale's numbers.
SAID = {
    "fr": "10 % de 1'234,50 sur tix = 123,45",
    "de": "10 % von 1'234.50 auf tix = 123.45",
    "it": "10% di 1'234.50 su tix = 123.45",
}


def _products() -> set[str]:
    """Every word of the demo till's product catalogue: the shop's names, not the till's words."""
    groups = json.loads((LOCALES.parent / "web" / "static" / "catalogue.json").read_text())["groups"]
    names = [group["name"] for group in groups] + [item["name"] for group in groups for item in group["items"]]
    return {word.lower() for word in WORD.findall(" ".join(names))}


def _catalogue(language: str) -> dict[str, str]:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return {str(m.id): str(m.string) for m in read_po(file) if m.id and isinstance(m.id, str)}


@cache
def english_only_words(language: str) -> set[str]:
    catalogue = _catalogue(language)
    english = {word.lower() for message in catalogue for word in WORD.findall(re.sub(r"\{\w+\}|<[^>]+>", "", message))}
    own = {word.lower() for text in catalogue.values() for word in WORD.findall(text)}
    return english - own - DATA - _products()


def english_left(page: Any, language: str) -> list[str]:
    shown = page.locator("body").inner_text() + " " + page.title()
    labels = page.eval_on_selector_all(
        "[aria-label], [placeholder]",
        "nodes => nodes.filter(n => n.offsetParent !== null)"
        ".map(n => (n.getAttribute('aria-label') || '') + ' ' + (n.getAttribute('placeholder') || ''))",
    )
    text = shown + " " + " ".join(labels)
    words = {word.lower() for word in WORD.findall(text)}
    left = sorted(words & english_only_words(language))
    for word in left:  # where, for the failure's message
        print(word, "in:", [line for line in text.splitlines() if word in line.lower()][:3])
    return left


def cinema(shop: Shop) -> dict[str, Any]:
    shop.rule(
        name="Cinéma",
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "percent", "percent": "10", "items": {"departments": ["tix"]}}],
    )
    shop.rule(  # the demo catalogue's tickets: the till's sale earns, and explains it
        name="Billets",
        trigger="purchase",
        actions=[
            {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "items": {"departments": ["tickets"]}}
        ],
    )
    return shop.member("079 123 45 67", first_name="Ada", last_name="Lovelace")


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_a_whole_sale_at_the_till_in_each_language_leaves_no_english(browser: Any, shop: Shop, language: str) -> None:
    cinema(shop)
    words = EXPECTED[language]
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/till?lang={language}#key={shop.pos_key}")
    page.get_by_role("button", name=words["account"]).wait_for()
    assert page.locator("html").get_attribute("lang") == language

    page.locator("#catalogue button").first.click()
    page.locator("#catalogue button").nth(1).click()
    page.get_by_role("button", name=words["account"]).click()
    page.locator("#search-input").fill("079 123 45 67")
    page.keyboard.press("Enter")
    page.locator("#member").get_by_role("heading", name="Ada Lovelace").wait_for()
    expect(page.locator("#points-preview")).to_contain_text(TICKETS[language])
    assert english_left(page, language) == []
    screenshot(page, f"till-{language}.png")

    page.get_by_role("button", name=words["confirm"]).click()
    page.locator("#receipt-title").wait_for()
    expect(page.locator(".receipt-status")).to_be_visible()
    assert english_left(page, language) == []
    screenshot(page, f"till-receipt-{language}.png", full_page=True)

    # Past sales, in the same language.
    page.get_by_role("button", name=EXPECTED[language]["sale"], exact=False).last.wait_for()
    assert errors == []


def test_the_till_keeps_the_cashier_s_choice_and_explains_with_swiss_numbers(browser: Any, shop: Shop) -> None:
    ada = cinema(shop)
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/till#key={shop.pos_key}")
    page.get_by_role("button", name="Loyalty Account").wait_for()  # the browser's English
    page.locator("[data-language-switch]").select_option("de")  # the switch: the page comes back in German
    page.get_by_role("button", name="Treuekonto").wait_for()
    page.goto(f"{shop.url}/till")  # a later visit, without ?lang=: still German
    page.get_by_role("button", name="Treuekonto").wait_for()
    assert page.locator("html").get_attribute("lang") == "de"

    # A ticket of 1234.50 on tix: the quote's explanation comes back in German, with the Swiss grouping.
    quote = shop.pos(
        "POST",
        "/v1/quotes",
        {
            "transaction_id": "Q-1",
            "member_id": ada["id"],
            "items": [{"line_id": "1", "department": "tix", "amount": "1234.50"}],
        },
        expect=200,
    )
    assert quote["earned"][0]["explanation"] == "10% of 1'234.50 on tix = 123.45"  # no language asked: the business's
    page.evaluate(
        """async ([key, member]) => {
          const answer = await fetch('/v1/quotes', {method: 'POST', headers: {'Authorization': 'Bearer ' + key,
            'Content-Type': 'application/json', 'Accept-Language': document.documentElement.lang},
            body: JSON.stringify({transaction_id: 'Q-2', member_id: member,
              items: [{line_id: '1', department: 'tix', amount: '1234.50'}]})});
          window.__quote = await answer.json();
        }""",
        [shop.pos_key, ada["id"]],
    )
    assert page.evaluate("window.__quote.earned[0].explanation") == SAID["de"]
    assert errors == []


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_the_member_app_in_each_language_leaves_no_english(
    browser: Any, shop: Shop, outbox: Path, language: str
) -> None:
    ada = cinema(shop)
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "FILM", "department": "tix", "quantity": "1", "amount": "1234.50"}],
        "payments": [{"mop": "cash", "amount": "1234.50"}],
    }
    shop.pos("POST", "/v1/purchases", sale, expect=201)
    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}?lang={language}")
    page.locator("#welcome-title").wait_for()
    assert english_left(page, language) == []
    page.locator("#tab-login").click()
    page.locator("#login-who").fill("079 123 45 67")
    page.locator("#login-form button[type=submit]").click()
    page.locator("#verify-code").fill(last_code(outbox, phone="+41791234567"))
    page.locator("#verify-form button[type=submit]").click()
    page.get_by_text(EXPECTED[language]["hello"]).wait_for()
    expect(page.locator("#history")).to_contain_text(SAID[language])
    assert english_left(page, language) == []
    screenshot(page, f"member-app-{language}.png", full_page=True)
    # The language picked in the app is the member's from now on: their texts and e-mails follow it.
    page.wait_for_function("1")
    member = shop.admin("GET", f"/v1/members/{ada['id']}", expect=200)
    assert member["language"] == language
    assert errors == []


# A return and a payment left open, said in each language (the sale: two tickets of 18.00, 36 points).
RETURNED = {
    "fr": ("conservés sur 36 gagnés : 18 repris par les retours", "Restitué à Ada Lovelace :"),
    "de": ("behalten von 36 gesammelten: 18 durch Rücknahmen zurückgenommen", "An Ada Lovelace zurückerstattet:"),
    "it": ("mantenuti su 36 guadagnati: 18 ripresi con i resi", "Restituito a Ada Lovelace:"),
}


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_a_return_and_a_payment_left_open_at_the_till_leave_no_english(browser: Any, shop: Shop, language: str) -> None:
    ada = cinema(shop)
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "40", "reason": "welcome"}, expect=201)
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "FILM", "department": "tickets", "quantity": "2", "amount": "36.00"}],
        "payments": [{"mop": "cash", "amount": "36.00"}],
    }
    shop.pos("POST", "/v1/purchases", sale, expect=201)
    lost_payment(shop, ada["id"], "T-LOST", "2.00")
    page, errors = open_page(browser, width=1440, height=900)
    page.goto(f"{shop.url}/till?lang={language}#key={shop.pos_key}")
    page.get_by_role("button", name=EXPECTED[language]["account"]).wait_for()
    page.locator("#till-sales").click()
    expect(page.locator("#open-payments .open-payment")).to_have_count(1)
    assert english_left(page, language) == []

    page.locator("#sales-q").fill("T-1")
    page.locator("#sales-search button[type=submit]").click()
    detail = page.locator("#sale-detail")
    detail.locator(".sale-line input").fill("1")
    detail.get_by_role("button", name=_catalogue(language)["Return selected"]).click()
    expect(detail.locator(".total-row.kept")).to_be_visible()
    expect(detail.locator(".sale-points")).to_contain_text(RETURNED[language][0])
    expect(detail.locator(".sale-line .returned")).to_contain_text("(−18")
    assert english_left(page, language) == []

    give_back = page.locator("#open-payments .open-payment button").first
    give_back.click()
    give_back.dblclick()
    expect(page.locator("#sales-message")).to_contain_text(RETURNED[language][1])
    assert english_left(page, language) == []
    assert errors == []
