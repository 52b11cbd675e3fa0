"""Helpers for the browser tests: Debian's Chromium, a business seeded through the public HTTP API, login codes
read from the live server's file notifier, and screenshots for the README."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# `make screenshots` refreshes the README's pictures; an ordinary run keeps them out of the work tree.
SCREENSHOTS = Path(os.environ.get("LOYALTY_SCREENSHOTS") or Path(tempfile.gettempdir()) / "loyalty-screenshots")


def last_code(outbox: Path, *, phone: str | None = None, email: str | None = None, timeout: float = 10) -> str:
    """The newest login code sent to this phone (E.164) or e-mail address; waits for the background send."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            for line in reversed(outbox.read_text().splitlines()):
                sent = json.loads(line)
                if (phone and sent["phone"] == phone) or (email and sent["email"] == email):
                    code: str = sent["code"]
                    return code
        time.sleep(0.1)
    raise AssertionError(f"no login code was sent to {phone or email}")


@dataclass
class Shop:
    """A business on the live server, made by the CLI, with HTTP helpers for its keys."""

    url: str
    business_id: str
    admin_key: str
    pos_key: str
    database_url: str

    def call(self, method: str, path: str, key: str, body: Any = None, expect: int | None = None) -> Any:
        answer = httpx.request(
            method, self.url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        if expect is not None:
            assert answer.status_code == expect, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def admin(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        return self.call(method, path, self.admin_key, body, expect)

    def pos(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        return self.call(method, path, self.pos_key, body, expect)

    def rule(self, **rule: Any) -> dict[str, Any]:
        made: dict[str, Any] = self.admin("POST", "/v1/rules", {"status": "active", **rule}, expect=201)
        return made

    def benefit(self, **benefit: Any) -> dict[str, Any]:
        made: dict[str, Any] = self.admin("POST", "/v1/benefits", benefit, expect=201)
        return made

    def member(self, phone: str, **fields: Any) -> dict[str, Any]:
        made: dict[str, Any] = self.admin("POST", "/v1/members", {"phone": phone, **fields}, expect=201)
        return made


OPEN_PAGES: list[Any] = []  # for a screenshot when a test fails (see tests/web/conftest.py)


def open_page(
    browser: Any, *, width: int, height: int, scale: float = 1, timezone: str | None = None
) -> tuple[Any, list[str]]:
    """A fresh browser context (its own localStorage, the machine's time zone unless given) and page; JavaScript
    errors are collected, not ignored."""
    zone = {"timezone_id": timezone} if timezone else {}
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale, **zone)
    context.set_default_timeout(10_000)
    page = context.new_page()
    OPEN_PAGES.append(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A refused API call is logged by the browser as "Failed to load resource": the page handles it, so only
    # script errors count.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    return page, errors


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)
