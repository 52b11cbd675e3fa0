"""The landing page speaks the four languages, as the till and the member app do: `?lang=`, its switch, and the
browser's Accept-Language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

SAID = {
    "en": ("Campaign Center", "Member app", "Open"),
    "fr": ("Centre de campagnes", "App membre", "Ouvrir"),
    "de": ("Kampagnen-Center", "Mitglieder-App", "Öffnen"),
    "it": ("Centro campagne", "App soci", "Apri"),
}


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
def test_the_landing_page_is_said_in_the_language_asked(app_client: TestClient, language: str) -> None:
    page = app_client.get(f"/?lang={language}")
    assert page.status_code == 200
    assert f'<html lang="{language}"' in page.text
    for words in SAID[language]:
        assert words in page.text
    assert "<code>loyalty demo</code>" in page.text  # the command stays a command
    assert 'name="lang"' in page.text  # the switch


def test_the_landing_page_follows_the_browser_and_leaves_no_english_in_german(app_client: TestClient) -> None:
    app_client.cookies.clear()
    page = app_client.get("/", headers={"Accept-Language": "de-CH,de;q=0.9"})
    assert '<html lang="de"' in page.text
    main = re.sub(r"<[^>]+>", " ", page.text.split('<main id="main"', 1)[1].split("</main>", 1)[0])
    for english in ("Campaign", "Cashier", "Members join", "Programme id", "API reference", "Keys are pasted"):
        assert english not in main
