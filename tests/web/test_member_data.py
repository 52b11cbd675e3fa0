"""A member's data rights in the app, in a real browser: "Download my data" gives the zip of CSV files, and
deleting the membership asks for confirmation, then signs out and leaves nothing that finds the member."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, last_code, open_page

pytestmark = pytest.mark.browser


def test_a_member_downloads_their_data_and_deletes_their_membership(
    browser: Any, shop: Shop, outbox: Path, tmp_path: Path
) -> None:
    ada = shop.member("079 123 45 67", first_name="Ada", email="ada@example.com")
    shop.admin("POST", f"/v1/members/{ada['id']}/adjustments", {"points": "12.50", "reason": "birthday"}, expect=201)
    page, errors = open_page(browser, width=390, height=844, scale=2)
    page.goto(f"{shop.url}/app/{shop.business_id}")
    page.get_by_role("tab", name="Log in").click()
    page.get_by_label("Mobile phone or e-mail").fill("ada@example.com")
    page.get_by_role("button", name="Send me a login code").click()
    page.get_by_label("6-digit code").fill(last_code(outbox, email="ada@example.com"))
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Hello, Ada").wait_for()

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download my data").click()
    saved = tmp_path / "my-data.zip"
    downloading.value.save_as(saved)
    assert downloading.value.suggested_filename == "my-data.zip"
    with zipfile.ZipFile(saved) as files:
        assert "member.csv" in files.namelist() and "ledger.csv" in files.namelist()
        assert "Ada" in files.read("member.csv").decode()
        assert "birthday" in files.read("ledger.csv").decode()

    # Deleting asks first, and can be called off.
    page.get_by_role("button", name="Delete my membership").click()
    really = page.get_by_role("button", name="Delete my membership for good")
    expect(really).to_be_disabled()
    page.get_by_role("button", name="Keep my membership").click()
    expect(really).to_be_hidden()
    assert shop.pos("POST", "/v1/identify", {"phone": "079 123 45 67"}, expect=200)["id"] == ada["id"]

    page.get_by_role("button", name="Delete my membership").click()
    page.get_by_label("I understand: delete my membership").check()
    really.click()
    page.get_by_text("Your membership was deleted").wait_for()
    assert shop.pos("POST", "/v1/identify", {"phone": "079 123 45 67"})["error"]["code"] == "member_not_found"
    gone = shop.admin("GET", f"/v1/members/{ada['id']}/data", expect=200)["member"]
    assert (gone["status"], gone["first_name"], gone["phone"], gone["points_balance"]) == ("erased", "", None, "0.00")
    assert errors == []
