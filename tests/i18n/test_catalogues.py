"""The catalogues: every word the code says is in them, and every language has all of them, translated.

The words are found the way `make messages` finds them (pybabel extract with the same keywords), so a text
added in a face, a message or the engine and not run through the catalogues fails here; and the faces' own files
are read for text that was never marked at all.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from loyalty.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "loyalty" / "locales"
WEB = ROOT / "src" / "loyalty" / "web"
KEYWORDS = ["-k", "msg", "-k", "tr", "-k", "N_", "-k", "Message"]
FIELDS = re.compile(r"\{\w+\}|%\(\w+\)s")
TRANSLATED = [language for language in LANGUAGES if language != "en"]
# The faces whose words are all in the catalogues: the till, the member app the Campaign Center and the landing page.
FACE_TEMPLATES = [
    "base.html",
    "till.html",
    "member.html",
    "language_switch.html",
    "not_found.html",
    "campaigns.html",
    "webhooks_section.html",
    "landing.html",
]
FACE_SCRIPTS = [
    "common.js",
    "till.js",
    "till-state.js",
    "till-sale.js",
    "till-member.js",
    "till-payments.js",
    "till-receipt.js",
    "till-scanner.js",
    "sales.js",
    "tenders.js",
    "identify.js",
    "landing.js",
    "standing.js",
    "member.js",
    # The Campaign Center's
    "campaigns.js",
    "cc-api.js",
    "cc-benefits.js",
    "cc-codes.js",
    "cc-confirm.js",
    "cc-dashboard.js",
    "cc-imports.js",
    "cc-members.js",
    "cc-page.js",
    "cc-payment-settings.js",
    "cc-rules.js",
    "cc-settings.js",
    "cc-till-discounts.js",
    "cc-try.js",
    "rule-checks.js",
    "rule-choices.js",
    "rule-form.js",
    "rule-words.js",
    "programs.js",
    "backtest.js",
    "basket.js",
    "chart.js",
    "figures.js",
    "liability-chart.js",
    "webhooks.js",
]


def _ids(path: Path) -> set[str]:
    with path.open("rb") as file:
        return {message.id for message in read_po(file) if message.id and isinstance(message.id, str)}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "-o", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return _ids(out)


def test_the_template_holds_every_word_the_code_says(extracted: set[str]) -> None:
    missing = extracted - _ids(LOCALES / "messages.pot")
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_has_every_word_translated(language: str, extracted: set[str]) -> None:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalogue = {message.id: message for message in read_po(file) if message.id}
    assert extracted <= set(catalogue), f"{language} lacks {sorted(extracted - set(catalogue))}"
    for message_id in extracted:
        entry = catalogue[message_id]
        assert "fuzzy" not in entry.flags, f"{language}: fuzzy {message_id!r}"
        if language == "en":
            continue  # the source language: an empty msgstr says the id itself
        assert entry.string, f"{language}: untranslated {message_id!r}"
        # The same fields, so a translation never drops an amount nor names one that is not there.
        assert sorted(FIELDS.findall(message_id)) == sorted(FIELDS.findall(str(entry.string))), (language, message_id)


def test_swiss_german_writes_ss_never_eszett() -> None:
    text = (LOCALES / "de" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "ß" not in text


def _unmarked_template_text(path: Path) -> list[str]:
    """Text between tags, and placeholders and labels, that does not go through _() or a trans block."""
    html = re.sub(r"{%\s*trans\s*%}.*?{%\s*endtrans\s*%}", "", path.read_text(), flags=re.S)
    html = re.sub(r"{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}", "", html)  # a CSS class, not words
    html = re.sub(r"{%\s*block title\s*%}(.*?){%\s*endblock\s*%}", r"<title>\1</title>", html)
    html = re.sub(r"{#.*?#}|{{.*?}}|{%.*?%}|<script.*?</script>", "", html, flags=re.S)
    found = [text.strip() for text in re.findall(r">([^<>]+)<", html)]
    found += re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', html)
    # Language names are written in their own language on purpose; the brand mark is a glyph; keys' prefixes and the
    # brand's name are the same in every language.
    allowed = {"English", "Français", "Deutsch", "Italiano", "lk_pos_…", "lk_admin_…", "Loyalty"}
    return [text for text in found if re.search(r"[A-Za-z]{2,}", text) and text not in allowed]


@pytest.mark.parametrize("template", FACE_TEMPLATES)
def test_a_face_template_shows_no_text_outside_the_catalogues(template: str) -> None:
    assert _unmarked_template_text(WEB / "templates" / template) == []


# A string literal a script puts on the page (a message, a text, a label) without tr(): "…" or `…` after one of these
# (the Campaign Center adds its notices, confirmations, chart titles and series, empty states and table rows).
SHOWN = re.compile(
    r"""(?:say\([^,]+,\s*|text:\s*|textContent\s*=\s*|"aria-label":\s*|placeholder:\s*|title:\s*|notice\(|"""
    r"""showSetup\(|confirmChange\((?:[^,()]+|\([^()]*\))*,\s*|empty:\s*|label:\s*|\{\s*name:\s*|\bbutton\(|\brow\(|"""
    r"""\binput\("\w+",\s*|setAttribute\("(?:aria-label|title|placeholder)",\s*|node\("(?:title|desc|text)",[^)]*?\},\s*|"""
    r"""(?:text:|say\([^,]+,)\s*[\w.?]+\s*(?:\?|\|\|)\s*)(["`])((?:(?!\1).)*[A-Za-z]{2,}(?:(?!\1).)*)\1"""
)


@pytest.mark.parametrize("script", FACE_SCRIPTS)
def test_a_face_script_puts_no_text_on_the_page_outside_the_catalogues(script: str) -> None:
    source = (WEB / "static" / script).read_text()
    # A template literal made only of values (`${line.quantity} × ${money(line.price)}`) says no words itself.
    shown = [
        text for _, text in SHOWN.findall(source) if re.search(r"[A-Za-z]{2,}", re.sub(r"\$\{[^}]*(\}|$)", "", text))
    ]
    assert shown == []


# Every tr("…") and N_("…") a face script writes, as the catalogue extractor should find it. Babel's JavaScript
# lexer loses the words after a template literal nested in another, and a tr() among another's values: this
# fails when one is written.
CALLED = re.compile(r"""^(?!\s*//).*?\b(?:tr|N_)\(\s*"((?:[^"\\]|\\.)*)\"""", re.M)


@pytest.mark.parametrize("script", FACE_SCRIPTS)
def test_every_word_a_face_script_says_is_extracted(script: str, extracted: set[str]) -> None:
    source = (WEB / "static" / script).read_text()
    said = {re.sub(r"\\(.)", r"\1", text) for text in CALLED.findall(source)}
    assert sorted(said - extracted) == []
