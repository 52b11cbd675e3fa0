"""Identification limits that stop guessing, not selling: each attack (or each till's honest day) through both
doors a till uses, `/v1/identify` and Como's `getMemberDetails` / `submitPurchase`.

Only a short code is guessable, so only a short code counts against the pause. A phone, an e-mail or a member
number that names nobody is a customer who is not a member yet: counted apart, under a ceiling per terminal far
above a till's pace, and reaching it pauses only such lookups, never codes, QR scans or sales."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.como.helpers import ComoTill, purchase
from tests.conftest import Tenant, make_tenant
from tests.support.people import active_rule, register

ADA = "078 555 66 01"


@pytest.fixture
def shop(settings: Settings, db: Database) -> Iterator[Tenant]:
    """Tight limits, so that the attacks stay short: 3 failed codes a till, 5 a business, 6 unknown lookups a till."""
    tight = replace(
        settings, identify_failures_per_terminal=3, identify_failures_per_business=5, identify_lookups_per_terminal=6
    )
    with TestClient(create_app(tight, db=db), raise_server_exceptions=False) as client:
        yield make_tenant(db, client)


@dataclass
class Door:
    name: str
    shop: Tenant

    @property
    def como(self) -> ComoTill:
        return ComoTill(self.shop.client, self.shop.pos_key)

    def identify(self, **way: str) -> int:
        """200 found, 404 nobody, 429 paused, as each door says it."""
        ((name, value),) = way.items()
        if self.name == "v1":
            answer = self.shop.client.post("/v1/identify", json={name: value}, headers=self.shop.pos)
            assert answer.status_code in (200, 404, 429), answer.text
            if answer.status_code == 429:
                assert int(answer.headers["Retry-After"]) > 0
            return answer.status_code
        como = {"phone": "phoneNumber", "email": "email", "member_number": "customIdentifier", "code": "appClientId",
                "qr": "temporaryToken"}[name]  # fmt: skip
        body = {"customer": {como: value}}
        found = self.shop.client.post("/api/v4/getMemberDetails", json=body, headers=self.como.headers).json()
        if found["status"] == "ok":
            return 200
        return {"4001012": 404, "4290001": 429}[found["errors"][0]["code"]]

    def sell(self, transaction_id: str, **customer: str) -> dict[str, Any]:
        """A closed Como sale naming its customer (the only door where a sale names a member by what they show)."""
        body = {"customers": [customer], "purchase": purchase(transaction_id)}
        return self.shop.client.post("/api/v4/submitPurchase", json=body, headers=self.como.headers).json()


@pytest.fixture(params=["v1", "como"])
def door(request: pytest.FixtureRequest, shop: Tenant) -> Door:
    return Door(request.param, shop)


def code_of(shop: Tenant, member_id: str) -> dict[str, str]:
    issued = shop.client.post(f"/v1/members/{member_id}/identification-code", headers=shop.admin)
    assert issued.status_code in (200, 201), issued.text
    found: dict[str, str] = issued.json()
    return found


def test_unknown_phones_at_a_till_never_pause_codes_qr_scans_or_sales(door: Door, shop: Tenant) -> None:
    ada = register(shop, ADA)
    # Finding 10: a busy till where most customers are not members yet. Far more unknown numbers than the codes'
    # limit (3 here), each "not a member".
    for number in range(6):
        assert door.identify(phone=f"078 555 77 {number:02d}") == 404
    # The codes' tries are untouched: the member's code, and then their QR, still identify.
    assert door.identify(code=code_of(shop, ada["id"])["code"]) == 200
    assert door.identify(qr=code_of(shop, ada["id"])["qr"]) == 200
    # The lookups' own ceiling (6 here) is reached: a further unknown-number search is paused, nothing else.
    assert door.identify(phone="078 555 77 99") == 429
    assert door.identify(code=code_of(shop, ada["id"])["code"]) == 200
    assert door.identify(qr=code_of(shop, ada["id"])["qr"]) == 200
    sold = door.sell("after-lookups", appClientId=code_of(shop, ada["id"])["code"])
    assert sold["status"] == "ok", sold
    # A manager's view counts failed codes only: no till is shown paused for guessing.
    state = shop.client.get("/v1/identification/lockouts", headers=shop.admin).json()
    assert state["business_failures"] == 0 and not any(row["paused"] for row in state["terminals"])


def test_guessing_codes_pauses_codes_but_never_phones_qr_scans_or_a_sale(door: Door, shop: Tenant) -> None:
    ada = register(shop, ADA, member_number="M-1")
    for guess in ("0000", "0001", "0002"):
        assert door.identify(code=guess) == 404
    assert door.identify(code="0003") == 429  # the guessing is stopped
    # ...and the till keeps serving: by phone, by member number, by QR, and a sale naming the customer by phone.
    assert door.identify(phone=ADA) == 200
    assert door.identify(member_number="M-1") == 200
    assert door.identify(qr=code_of(shop, ada["id"])["qr"]) == 200
    sold = door.sell("while-paused", phoneNumber=ADA)
    assert sold["status"] == "ok", sold


def test_a_paused_como_till_records_a_sale_named_by_a_fresh_code_without_the_member(shop: Tenant, db: Database) -> None:
    door = Door("como", shop)
    active_rule(db, shop, trigger="purchase", actions=[{"type": "add_points", "mode": "fixed", "points": "10"}])
    ada = register(shop, ADA)
    assert door.sell("before-pause", phoneNumber=ADA)["status"] == "ok"
    for guess in ("0000", "0001", "0002"):
        assert door.identify(code=guess) == 404
    # The customer has paid: the sale stands, recorded without a member (an anonymous sale tells a guesser nothing).
    sold = door.sell("paused-code", appClientId=code_of(shop, ada["id"])["code"])
    assert sold["status"] == "ok" and sold["confirmation"], sold
    shown = shop.client.get(f"/v1/members/{ada['id']}", headers=shop.admin).json()
    assert shown["points_balance"] == "10.00"  # the first sale's only


def test_the_default_ceilings_keep_the_arithmetic_of_the_docs(settings: Settings) -> None:
    defaults = Settings()
    assert (defaults.identify_failures_per_terminal, defaults.identify_failures_per_business) == (20, 200)
    assert (defaults.identify_lookups_per_terminal, defaults.identify_window_seconds) == (1000, 600)
