"""The Campaign Center's import page in a real browser: a file checked by a dry run shows what it would change and
the rows it rejects (downloadable), writes nothing, and is then imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import Shop, open_page

pytestmark = pytest.mark.browser

FILE = (
    "external_id,phone,email,first_name,points,credit\n"
    "OLD-1,079 321 00 01,,Ada,120,5.00\n"
    "OLD-2,not a phone,,Bob,10,0\n"
    "OLD-3,,carla@example.com,Carla,-4,0\n"
    "OLD-4,,dora@example.com,Dora,0,0\n"
)


def test_the_import_page_checks_a_file_then_imports_it(browser: Any, shop: Shop, tmp_path: Path) -> None:
    upload = tmp_path / "members.csv"
    upload.write_text(FILE)
    page, errors = open_page(browser, width=1280, height=900)
    page.goto(f"{shop.url}/campaigns#key={shop.admin_key}")
    page.get_by_role("link", name="Import").click()
    page.get_by_role("heading", name="Import members").wait_for()
    page.get_by_label("Member file (CSV or NDJSON)").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("Checked: nothing was written").wait_for()

    summary = page.locator("#import-summary")
    expect(summary.locator("tr", has_text="Would be created")).to_contain_text("2")
    expect(summary.locator("tr", has_text="Rejected")).to_contain_text("2")
    expect(page.locator("#import-changes")).to_contain_text("OLD-1")
    expect(page.locator("#import-changes")).to_contain_text("new member")
    rejects = page.locator("#import-rejects tr")
    expect(rejects).to_have_count(2)
    expect(rejects.nth(0)).to_contain_text("OLD-2")
    expect(rejects.nth(0)).to_contain_text("phone")
    expect(rejects.nth(1)).to_contain_text("points")
    expect(rejects.nth(1)).to_contain_text("must not be negative")
    assert shop.pos("POST", "/v1/identify", {"phone": "079 321 00 01"})["error"]["code"] == "member_not_found"

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the rejected rows (CSV)").click()
    saved = tmp_path / "rejects.csv"
    downloading.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "line,external_id,field,reason" and len(lines) == 3
    assert lines[1].startswith('"3","OLD-2","phone"')

    page.get_by_role("button", name="Import it").click()
    page.get_by_text("Imported: 2 created, 0 updated.").wait_for()
    found = shop.pos("POST", "/v1/identify", {"phone": "079 321 00 01"}, expect=200)
    assert (found["first_name"], found["points_balance"], found["credit_balance"]) == ("Ada", "120.00", "5.00")
    assert errors == []
