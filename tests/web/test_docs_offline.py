"""`/docs` renders in a real browser with every request outside the server refused: no CDN."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import Shop, open_page, screenshot

pytestmark = pytest.mark.browser

# Each page parses a bundle of 1 to 1.5 MB before it shows anything: on a loaded machine that takes more than the
# usual 10 seconds.
LOADING = 60_000


def test_the_api_docs_render_with_the_network_blocked(browser: Any, shop: Shop) -> None:
    page, errors = open_page(browser, width=1280, height=900)
    page.set_default_timeout(LOADING)
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(shop.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_this_server)
    page.goto(f"{shop.url}/docs")
    page.locator(".swagger-ui .info .title", has_text="loyalty").wait_for()
    page.locator(".opblock-summary-path", has_text="/v1/purchases").first.wait_for()
    screenshot(page, "docs-offline.png")
    assert outside == []
    assert errors == []


def test_the_api_reference_renders_with_the_network_blocked(browser: Any, shop: Shop) -> None:
    """`/redoc` was blank offline: FastAPI's page loads ReDoc from a CDN."""
    page, errors = open_page(browser, width=1280, height=900)
    page.set_default_timeout(LOADING)
    outside: list[str] = []

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(shop.url) or route.request.url.startswith("blob:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_this_server)
    page.goto(f"{shop.url}/redoc")
    page.locator(".api-info h1", has_text="loyalty").wait_for()
    page.locator("[role=menuitem]").nth(20).wait_for(state="attached")
    page.locator("h2", has_text="Record").first.wait_for()
    screenshot(page, "redoc-offline.png")
    assert outside == []
    assert errors == []
