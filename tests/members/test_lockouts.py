"""A till is told how many failed searches it has left before it pauses; a manager sees paused tills and lifts a
pause; a QR scan is never paused by the short-code limit, nor counted in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant


@pytest.fixture
def strict(db: Database) -> Iterator[TestClient]:
    """Tight limits: 3 failures per terminal, 10 per business, in 10 minutes."""
    settings = Settings(
        database_url=db.url,
        identify_failures_per_terminal=3,
        identify_failures_per_business=10,
        identify_window_seconds=600,
    )
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        yield client


def member_with_qr(shop: Tenant) -> tuple[dict[str, str], str]:
    client = shop.client
    member = client.post("/v1/members", json={"phone": "079 555 09 09"}, headers=shop.admin).json()
    issued = client.post(f"/v1/members/{member['id']}/identification-code", headers=shop.admin).json()
    return member, issued["qr"]


def test_each_failed_search_says_how_many_tries_are_left_before_the_pause(db: Database, strict: TestClient) -> None:
    shop = make_tenant(db, strict)
    lefts = []
    for _ in range(3):
        answer = strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
        assert answer.status_code == 404
        details = answer.json()["error"]["details"]
        lefts.append(details["tries_left"])
        assert details["pause_seconds"] == 600
    assert lefts == [2, 1, 0]
    paused = strict.post("/v1/identify", json={"code": "0001"}, headers=shop.pos)
    assert paused.status_code == 429 and paused.json()["error"]["details"]["scope"] == "terminal"
    # A phone that names nobody is a customer who is not a member yet: never paused by the codes' limit.
    unknown = strict.post("/v1/identify", json={"phone": "079 555 09 09"}, headers=shop.pos)
    assert unknown.status_code == 404 and unknown.json()["error"]["details"]["tries_left"] == 0


def test_a_qr_scan_is_never_paused_by_the_short_code_limit_nor_counted(db: Database, strict: TestClient) -> None:
    shop = make_tenant(db, strict)
    member, qr = member_with_qr(shop)
    for _ in range(3):
        strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
    assert strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos).status_code == 429
    found = strict.post("/v1/identify", json={"qr": qr}, headers=shop.pos)
    assert found.status_code == 200 and found.json()["id"] == member["id"]
    # A stale or forged QR is not found, and adds nothing to the failures.
    for _ in range(5):
        stale = strict.post("/v1/identify", json={"qr": "x" * 32}, headers=shop.pos)
        assert stale.status_code == 404 and stale.json()["error"]["details"]["tries_left"] == 0
    state = strict.get("/v1/identification/lockouts", headers=shop.admin).json()
    assert state["business_failures"] == 3


def test_a_manager_sees_the_paused_till_and_lifts_the_pause(db: Database, strict: TestClient) -> None:
    shop = make_tenant(db, strict)
    for _ in range(3):
        strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
    state = strict.get("/v1/identification/lockouts", headers=shop.admin).json()
    assert state["business_failures"] == 3 and state["business_paused"] is False
    (till,) = state["terminals"]
    assert till["terminal_id"] == shop.terminal_id and till["paused"] is True and till["failures"] == 3
    assert 0 < till["retry_after"] <= 600

    assert strict.post("/v1/identification/lockouts/lift", json={}, headers=shop.pos).status_code == 403
    lifted = strict.post("/v1/identification/lockouts/lift", json={"terminal_id": shop.terminal_id}, headers=shop.admin)
    assert lifted.status_code == 200 and lifted.json() == {"failures_forgotten": 3}
    again = strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
    assert again.status_code == 404 and again.json()["error"]["details"]["tries_left"] == 2
    assert strict.get("/v1/identification/lockouts", headers=shop.admin).json()["terminals"][0]["paused"] is False


def test_lifting_another_business_till_is_404_and_changes_nothing(db: Database, strict: TestClient) -> None:
    shop = make_tenant(db, strict)
    other = make_tenant(db, strict, name="Another shop")
    for _ in range(3):
        strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
    refused = strict.post(
        "/v1/identification/lockouts/lift", json={"terminal_id": shop.terminal_id}, headers=other.admin
    )
    assert refused.status_code == 404
    assert strict.post("/v1/identify", json={"code": "0000"}, headers=shop.pos).status_code == 429
    bad = strict.post("/v1/identification/lockouts/lift", json={"terminal_id": "nope"}, headers=shop.admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "terminal_id"
