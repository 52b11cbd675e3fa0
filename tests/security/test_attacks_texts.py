"""Joins and texts (finding 5): one client sending joins or login-code requests to the member app cannot run up
the business's text bill nor text strangers abroad. Through the member app's routes (`/v1/app/...`, `/v1/me/contact`)
and, for the countries, the till's own code sending (`/api/v4/advanced/sendIdentificationCode`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.members import app as member_app
from loyalty.members import app_limits
from loyalty.settings import Settings
from tests.como.helpers import ComoTill
from tests.conftest import Tenant, make_tenant
from tests.support.outbox import Outbox
from tests.support.people import member_key, register


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return replace(settings, app_requests_per_client=10, app_requests_per_business=25)


@pytest.fixture
def shop(limited: Settings, db: Database, outbox: Outbox) -> Iterator[Tenant]:
    app = create_app(limited, db=db)
    app.state.notifier = outbox
    with TestClient(app, raise_server_exceptions=False) as client:
        yield make_tenant(db, client)


def join(shop: Tenant, phone: str) -> int:
    body = {"phone": phone, "consent": {"terms": True}}
    answer = shop.client.post(f"/v1/app/{shop.business_id}/register", json=body)
    if answer.status_code == 429:
        assert int(answer.headers["Retry-After"]) > 0
        assert answer.json()["error"]["code"] == "too_many_requests"
    return answer.status_code


def test_thirty_joins_from_one_client_send_at_most_the_clients_limit(shop: Tenant, outbox: Outbox) -> None:
    answers = [join(shop, f"078 555 70 {number:02d}") for number in range(30)]
    assert answers == [202] * 10 + [429] * 20
    assert len(outbox.sent) == 10
    # Login codes are counted with the joins: the same client is paused for them too.
    again = shop.client.post(f"/v1/app/{shop.business_id}/login", json={"phone": "078 555 70 00"})
    assert again.status_code == 429 and len(outbox.sent) == 10


def test_a_member_asking_codes_for_new_contacts_is_counted_too(shop: Tenant, db: Database, outbox: Outbox) -> None:
    ada = register(shop, "078 555 66 01")
    session = member_key(db, shop, ada["id"])
    answers = [
        shop.client.post("/v1/me/contact", json={"email": f"a{number}@example.com"}, headers=session).status_code
        for number in range(12)
    ]
    assert answers == [202] * 10 + [429] * 2
    # The member's own hourly limit (5 codes) holds beside the client's: fewer were sent than asked.
    assert len(outbox.sent) == 5


def test_joins_spread_over_many_clients_stop_at_the_business_limit(
    shop: Tenant, db: Database, limited: Settings
) -> None:
    business_id = uuid.UUID(shop.business_id)
    refused = 0
    for number in range(30):  # 30 addresses, 1 join each: only the business's ceiling (25) applies
        joining = member_app.Joining(f"078 555 71 {number:02d}", "", "", None, {"terms": True})
        try:
            member_app.join(db, business_id, joining, client=f"203.0.113.{number}", settings=limited)
        except app_limits.TooManyRequests as limit:
            assert limit.details["scope"] == "business" and limit.retry_after > 0
            refused += 1
    assert refused == 5


def test_texts_go_only_to_the_business_countries(shop: Tenant, db: Database, outbox: Outbox) -> None:
    # A number abroad (Germany, for a Swiss shop): joining with it is refused, nothing is sent.
    body = {"phone": "+49 151 23456789", "consent": {"terms": True}}
    refused = shop.client.post(f"/v1/app/{shop.business_id}/register", json=body)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "phone", refused.text
    assert outbox.sent == []
    # A member the staff registered with that number gets no text from a till's code request either.
    abroad = register(shop, "+49 151 23456789")
    till = ComoTill(shop.client, shop.pos_key)
    sent = till.client.post(
        "/api/v4/advanced/sendIdentificationCode",
        json={"customer": {"phoneNumber": "+49 151 23456789"}},
        headers=till.headers,
    ).json()
    assert sent["status"] == "error" and outbox.sent == []
    assert shop.client.post("/v1/me/contact", json={"phone": "+49 151 23456780"},
                            headers=member_key(db, shop, abroad["id"])).status_code == 422  # fmt: skip
    # The owner allows Germany: now the join texts the number.
    allowed = shop.client.patch("/v1/business", json={"text_countries": ["ch", "DE"]}, headers=shop.admin)
    assert allowed.status_code == 200 and allowed.json()["text_countries"] == ["CH", "DE"], allowed.text
    assert join(shop, "+49 151 23456781") == 202
    assert [message.address for message in outbox.sent] == ["+4915123456781"]
    wrong = shop.client.patch("/v1/business", json={"text_countries": ["XX"]}, headers=shop.admin)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == "text_countries.0"
    reset = shop.client.patch("/v1/business", json={"text_countries": None}, headers=shop.admin)
    assert reset.json()["text_countries"] == ["CH"]
