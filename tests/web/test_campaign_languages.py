"""The Campaign Center in French, German and Italian in a real browser: a marketer builds a rule (a percentage of
the spend, in points), tries a basket on it, switches it on, and looks through every view, with no English left on
the screen (the same word-by-word check as the till's and the member app's, tests/web/test_languages.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page, screenshot
from tests.web.test_languages import english_left

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {
        "dashboard": "Tableau de bord",
        "rules": "Règles",
        "new": "Nouvelle règle",
        "name": "Nom",
        "percent": "En pourcentage",
        "spend": "Pourcentage de la dépense",
        "departments": "Seulement les rayons",
        "try": "L'essayer sur un panier",
        "basket": "Essayer un panier",
        "back": "Retour à la règle",
        "save": "Enregistrer et activer",
        "activate": "Activer",
        "active": "actif",
        "summary": "10 % de la dépense en points sur tickets",
        "codes": "Codes promo",
        "create_code": "Créer le code",
        "uses": "Utilisations au total",
        "refused": "Utilisations au total : doit être au moins 1.",
    },
    "de": {
        "dashboard": "Übersicht",
        "rules": "Regeln",
        "new": "Neue Regel",
        "name": "Name",
        "percent": "Nach Prozent",
        "spend": "Prozent des Umsatzes",
        "departments": "Nur Abteilungen",
        "try": "An einem Warenkorb testen",
        "basket": "Warenkorb testen",
        "back": "Zurück zur Regel",
        "save": "Speichern und aktivieren",
        "activate": "Aktivieren",
        "active": "aktiv",
        "summary": "10 % des Umsatzes in Punkten auf tickets",
        "codes": "Aktionscodes",
        "create_code": "Code erstellen",
        "uses": "Verwendungen insgesamt",
        "refused": "Verwendungen insgesamt: muss mindestens 1 sein.",
    },
    "it": {
        "dashboard": "Cruscotto",
        "rules": "Regole",
        "new": "Nuova regola",
        "name": "Nome",
        "percent": "In percentuale",
        "spend": "Percentuale della spesa",
        "departments": "Solo reparti",
        "try": "Provarla su un carrello",
        "basket": "Provare un carrello",
        "back": "Torna alla regola",
        "save": "Salvare e attivare",
        "activate": "Attivare",
        "active": "attivo",
        "summary": "10% della spesa in punti su tickets",
        "codes": "Codici promozionali",
        "create_code": "Creare il codice",
        "uses": "Utilizzi in tutto",
        "refused": "Utilizzi in tutto: deve essere almeno 1.",
    },
}
VIEWS = ["dashboard", "rules", "basket", "backtest", "benefits", "codes", "members", "imports", "settings", "programs"]


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_a_marketer_builds_tries_and_activates_a_rule_in_each_language_with_no_english_left(
    browser: Any, shop: Shop, language: str
) -> None:
    words = WORDS[language]
    shop.benefit(name="Popcorn", kind="free_item", items={"codes": ["POPCORN-S"]})
    page, errors = open_page(browser, width=1280, height=800)
    page.goto(f"{shop.url}/campaigns?lang={language}#key={shop.admin_key}")
    page.get_by_role("heading", name=words["dashboard"]).wait_for()
    assert page.locator("html").get_attribute("lang") == language
    page.locator("#stat-members").filter(has_text=re.compile(r"\d")).wait_for()
    assert english_left(page, language) == []

    # A rule: 10% of the spend on tickets, in points.
    page.get_by_role("link", name=words["rules"], exact=True).click()
    page.get_by_role("link", name=words["new"]).click()
    page.get_by_role("heading", name=words["new"]).wait_for()
    editor = page.locator('[data-view="rule"]')
    editor.get_by_label(words["name"], exact=True).fill("Cinéma")
    action = page.locator(".action-box").first
    action.get_by_role("radio", name=re.compile(words["percent"])).check()
    action.get_by_label(words["spend"], exact=True).fill("10")
    action.get_by_label(words["departments"], exact=True).fill("tickets")
    assert english_left(page, language) == []
    screenshot(page, f"campaigns-{language}.png")

    # Tried on a basket of two adult tickets (36.00): 3.60 points, explained in the page's language.
    page.get_by_role("button", name=words["try"]).click()
    page.get_by_role("heading", name=words["basket"]).wait_for()
    expect(page.locator("#basket-rules input:checked")).to_have_count(1)  # the rule in the editor, alone
    page.locator("#basket-add").select_option("TICKET-ADULT")
    page.locator("#basket-lines input[data-key=quantity]").first.fill("2")
    page.locator("#basket-form button[type=submit]").click()
    result = page.locator("#basket-result")
    expect(result.locator("[data-points]")).to_have_text(re.compile(r"^\+3[.,]6"))
    assert english_left(page, language) == []
    screenshot(page, f"campaigns-basket-{language}.png")

    # Switched on, after the confirmation that says what every till will give.
    page.get_by_role("link", name=words["back"]).click()
    page.get_by_role("button", name=words["save"]).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(words["summary"])
    assert english_left(page, language) == []
    dialog.get_by_role("button", name=words["activate"], exact=True).click()
    row = page.locator("tr", has_text="Cinéma")
    expect(row.locator(".badge")).to_have_text(words["active"])
    expect(row).to_contain_text(words["summary"])
    assert english_left(page, language) == []

    # A refusal of the server (English, for developers) is said beside its field in the page's language.
    page.get_by_role("link", name=words["codes"], exact=True).click()
    code_form = page.locator("#code-form")
    expect(code_form.locator("#code-benefit option").first).to_be_attached()
    code_form.locator("#code-code").fill("CINE10")
    code_form.get_by_label(words["uses"]).fill("0")
    code_form.get_by_role("button", name=words["create_code"]).click()
    expect(page.locator("#code-message")).to_have_text(words["refused"])
    assert english_left(page, language) == []

    # Every other view, in the same language.
    for view in VIEWS:
        page.goto(f"{shop.url}/campaigns#/{view}")
        page.locator(f'[data-view="{view}"]').wait_for()
        page.wait_for_load_state("networkidle")
        assert english_left(page, language) == [], view
    assert errors == []
