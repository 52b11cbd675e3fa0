"""The web faces' test ground: a live server whose login codes land in a file, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import create_tenant_via_cli
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, OPEN_PAGES, Shop
from tests.support.server import LiveServer


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    """Where the live server's notifier writes login codes (LOYALTY_NOTIFIER=file://…)."""
    return tmp_path / "outbox.jsonl"


@pytest.fixture
def live_server(
    fresh_database_url: str, tmp_path: Path, outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The shared live server, with the file notifier so a test can read the codes a member would receive."""
    monkeypatch.setenv("LOYALTY_NOTIFIER", f"file://{outbox}")
    server = LiveServer(fresh_database_url, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


@pytest.fixture
def shop(live_server: LiveServer) -> Shop:
    made = create_tenant_via_cli(live_server.database_url, name="Cinema Lumière")
    return Shop(live_server.url, made["business_id"], made["admin_key"], made["pos_key"], live_server.database_url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.stash[FAILED] = report.failed


FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def pages_closed_and_kept_on_failure(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Each test's pages are closed after it; a failing test leaves a screenshot of each in its tmp_path."""
    yield
    failed = request.node.stash.get(FAILED, False)
    for index, page in enumerate(OPEN_PAGES):
        if failed:
            page.screenshot(path=str(tmp_path / f"failure-{index}.png"), full_page=True)
            print(f"screenshot of the failure: {tmp_path / f'failure-{index}.png'}")
        page.context.close()
    OPEN_PAGES.clear()
