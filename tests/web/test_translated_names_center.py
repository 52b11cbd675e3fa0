"""The Campaign Center's forms take a name's translations: a "Translations" disclosure under the name of a
benefit, a rule, a punch card and a deal, its languages stored as the object's `names` and shown again when editing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import Shop
from tests.web.test_campaign_center import mode, new_rule, open_center, save

pytestmark = pytest.mark.browser


def translate(form: Any, **names: str) -> None:
    form.locator("[data-translations] summary").click()
    labels = {"fr": "French", "de": "German", "it": "Italian"}
    for language, name in names.items():
        form.get_by_label(labels[language], exact=True).fill(name)


def test_a_marketer_translates_a_benefit_a_rule_and_a_punch_card(browser: Any, shop: Shop) -> None:
    page, errors = open_center(browser, shop)

    page.get_by_role("link", name="Benefits").click()
    form = page.locator("#benefit-form")
    form.get_by_label("Name", exact=True).fill("Free small popcorn")
    translate(form, fr="Petit pop-corn offert", de="Gratis Popcorn klein")
    page.get_by_label("Kind").select_option(label="A free item")
    page.get_by_label("On item codes").fill("POPCORN-S")
    page.get_by_role("button", name="Create benefit").click()
    page.get_by_text('"Free small popcorn" created').wait_for()
    (popcorn,) = shop.admin("GET", "/v1/benefits", expect=200)
    assert popcorn["names"] == {"fr": "Petit pop-corn offert", "de": "Gratis Popcorn klein"}

    action = new_rule(page, "Tickets: 1 point per 1.00")
    translate(page.locator("#rule-form"), it="Biglietti: 1 punto ogni 1.00")
    mode(action, "By rate")
    action.get_by_label("Points", exact=True).fill("1")
    action.get_by_label("Per amount spent", exact=True).fill("1.00")
    save(page)
    (rule,) = shop.admin("GET", "/v1/rules", expect=200)
    assert rule["names"] == {"it": "Biglietti: 1 punto ogni 1.00"}
    page.locator("tr", has_text="Tickets: 1 point per 1.00").get_by_role("link").first.click()
    rule_form = page.locator("#rule-form")
    assert rule_form.get_by_label("Italian", exact=True).input_value() == "Biglietti: 1 punto ogni 1.00"

    card = {
        "name": "Coffee card",
        "punches_required": 5,
        "items": {"codes": ["COFFEE"]},
        "reward_benefit_id": popcorn["id"],
    }
    made = shop.admin("POST", "/v1/punch-cards", card, expect=201)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("heading", name="Dashboard").wait_for()
    page.get_by_role("link", name="Programs").click()
    page.get_by_role("button", name="Edit Coffee card").click()
    card_form = page.locator("#punch-card-form")
    translate(card_form, fr="Carte café")
    card_form.get_by_role("button", name="Save punch card").click()
    page.get_by_text("“Coffee card” saved").wait_for()
    assert shop.admin("GET", f"/v1/punch-cards/{made['id']}", expect=200)["names"] == {"fr": "Carte café"}

    deal_form = page.locator("#deal-form")
    page.locator("#deal-name").fill("Club deal")
    translate(deal_form, de="Klub-Angebot")
    page.locator("#deal-tags").fill("club")
    page.locator("#deal-percent").fill("20")
    deal_form.get_by_role("button", name="Create deal").click()
    page.get_by_text("Deal created").wait_for()
    deal = next(rule for rule in shop.admin("GET", "/v1/rules", expect=200) if rule["name"] == "Club deal")
    assert deal["names"] == {"de": "Klub-Angebot"}
    assert errors == []
