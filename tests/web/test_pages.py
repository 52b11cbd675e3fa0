"""The pages are served by the API server itself: shells with strict headers, and their static files."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import Tenant


def test_the_landing_page_links_the_three_faces(app_client: TestClient) -> None:
    answer = app_client.get("/")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert 'href="/till"' in answer.text and 'href="/campaigns"' in answer.text and 'action="/app"' in answer.text


def test_pages_forbid_foreign_scripts_and_framing(app_client: TestClient) -> None:
    for path in ("/", "/till", "/campaigns"):
        policy = app_client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy


def test_the_member_app_page_names_its_business_and_an_unknown_one_is_404(
    app_client: TestClient, tenant: Tenant
) -> None:
    answer = app_client.get(f"/app/{tenant.business_id}")
    assert answer.status_code == 200 and "Test shop" in answer.text
    assert app_client.get("/app/not-a-uuid").status_code == 404
    assert app_client.get("/app/00000000-0000-0000-0000-000000000000").status_code == 404
    chooser = app_client.get("/app", params={"business": tenant.business_id}, follow_redirects=False)
    assert chooser.status_code == 303 and chooser.headers["location"] == f"/app/{tenant.business_id}"


def test_static_files_are_fingerprinted_and_served(app_client: TestClient) -> None:
    page = app_client.get("/till").text
    for name in ("loyalty.css", "till.js"):
        url = re.search(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{10}}", page)
        assert url is not None, name
        assert app_client.get(url.group()).status_code == 200
    catalogue = app_client.get("/static/catalogue.json").json()
    prices = [item["price"] for group in catalogue["groups"] for item in group["items"]]
    assert all(re.fullmatch(r"\d+\.\d\d", price) for price in prices), "prices are exact decimal strings"
