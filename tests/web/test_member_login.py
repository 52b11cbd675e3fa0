"""The member app's endpoints: joining, one-time login codes and their limits, the member's own account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import LoginCode
from loyalty.members import member_login
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.outbox import Outbox
from tests.support.people import ADA_E164, ADA_PHONE, active_rule, adjust, register


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def shop(settings: Settings, db: Database, outbox: Outbox) -> Iterator[Tenant]:
    app = create_app(settings, db=db)
    app.state.notifier = outbox
    with TestClient(app, raise_server_exceptions=False) as client:
        yield make_tenant(db, client)


def post(shop: Tenant, path: str, body: dict[str, Any], **headers: str) -> Any:
    return shop.client.post(path.replace("{b}", shop.business_id), json=body, headers=headers)


def log_in(shop: Tenant, outbox: Outbox, phone: str = ADA_PHONE) -> dict[str, Any]:
    assert post(shop, "/v1/app/{b}/login", {"phone": phone}).status_code == 202
    answer = post(shop, "/v1/app/{b}/login/verify", {"phone": phone, "code": outbox.last()})
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()
    return session


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['key']}"}


def test_asking_for_a_code_answers_the_same_for_a_member_and_for_a_stranger(shop: Tenant, outbox: Outbox) -> None:
    register(shop, email="ada@example.com")
    for_ada = post(shop, "/v1/app/{b}/login", {"phone": "079 123 45 67"})
    for_nobody = post(shop, "/v1/app/{b}/login", {"phone": "078 999 88 77"})
    by_email = post(shop, "/v1/app/{b}/login", {"email": "nobody@example.com"})
    assert for_ada.status_code == for_nobody.status_code == by_email.status_code == 202
    assert for_ada.json() == for_nobody.json() == by_email.json()
    assert [message.phone for message in outbox.sent] == [ADA_E164]
    assert len(outbox.last()) == 6 and outbox.last().isdigit()


def test_a_code_logs_the_member_in_once_with_a_key_for_30_days(shop: Tenant, outbox: Outbox) -> None:
    member = register(shop)
    before = datetime.now(UTC)
    session = log_in(shop, outbox)
    assert session["member_id"] == member["id"] and session["key"].startswith("lk_member_")
    lifetime = datetime.fromisoformat(session["expires_at"]) - before
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30, minutes=1)
    again = post(shop, "/v1/app/{b}/login/verify", {"phone": ADA_PHONE, "code": outbox.last()})
    assert again.status_code == 401 and again.json()["error"]["code"] == "login_code_invalid"
    me = shop.client.get("/v1/me", headers=bearer(session)).json()
    assert me["id"] == member["id"] and me["phone"] == ADA_E164, "a member sees their own number in full"


def test_five_wrong_tries_spend_the_code(shop: Tenant, outbox: Outbox) -> None:
    register(shop)
    post(shop, "/v1/app/{b}/login", {"phone": ADA_PHONE})
    right = outbox.last()
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(member_login.MAX_ATTEMPTS):
        assert post(shop, "/v1/app/{b}/login/verify", {"phone": ADA_PHONE, "code": wrong}).status_code == 401
    assert post(shop, "/v1/app/{b}/login/verify", {"phone": ADA_PHONE, "code": right}).status_code == 401


def test_a_new_code_replaces_the_previous_one_and_an_expired_one_fails(
    shop: Tenant, outbox: Outbox, db: Database
) -> None:
    member = register(shop)
    post(shop, "/v1/app/{b}/login", {"phone": ADA_PHONE})
    first = outbox.last()
    post(shop, "/v1/app/{b}/login", {"phone": ADA_PHONE})
    second = outbox.last()
    if first != second:
        assert post(shop, "/v1/app/{b}/login/verify", {"phone": ADA_PHONE, "code": first}).status_code == 401
    db.write(
        lambda session: session.execute(
            update(LoginCode)
            .where(LoginCode.member_id == uuid.UUID(member["id"]))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    )
    assert post(shop, "/v1/app/{b}/login/verify", {"phone": ADA_PHONE, "code": second}).status_code == 401


def test_a_member_is_sent_at_most_five_codes_an_hour(shop: Tenant, outbox: Outbox) -> None:
    register(shop)
    answers = [
        post(shop, "/v1/app/{b}/login", {"phone": ADA_PHONE}) for _ in range(member_login.MAX_CODES_PER_HOUR + 2)
    ]
    assert {answer.status_code for answer in answers} == {202}
    assert len(outbox.sent) == member_login.MAX_CODES_PER_HOUR


def test_a_blocked_member_gets_no_code(shop: Tenant, outbox: Outbox) -> None:
    member = register(shop)
    shop.client.patch(f"/v1/members/{member['id']}", json={"status": "blocked"}, headers=shop.admin)
    assert post(shop, "/v1/app/{b}/login", {"phone": ADA_PHONE}).status_code == 202
    assert outbox.sent == []


def test_joining_needs_the_terms_fires_the_joined_rules_and_sends_a_code(
    shop: Tenant, outbox: Outbox, db: Database
) -> None:
    active_rule(db, shop, trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}])
    body = {"phone": "078 555 12 34", "first_name": "Grace", "email": "grace@example.com"}
    refused = post(shop, "/v1/app/{b}/register", {**body, "consent": {"terms": False, "email": True}})
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "consent.terms"
    joined = post(shop, "/v1/app/{b}/register", {**body, "consent": {"terms": True, "email": True}})
    assert joined.status_code == 202
    assert outbox.sent[-1].email == "grace@example.com"
    session = post(shop, "/v1/app/{b}/login/verify", {"email": "GRACE@example.com", "code": outbox.last()}).json()
    me = shop.client.get("/v1/me", headers=bearer(session)).json()
    assert me["points_balance"] == "50.00" and me["consent"] == {"terms": True, "sms": False, "email": True}


def test_joining_again_with_a_registered_phone_creates_no_one_and_answers_the_same(
    shop: Tenant, outbox: Outbox
) -> None:
    register(shop, first_name="Ada")
    body = {"phone": "+41 79 123 45 67", "first_name": "Mallory", "consent": {"terms": True}}
    answer = post(shop, "/v1/app/{b}/register", body)
    fresh = post(shop, "/v1/app/{b}/register", {**body, "phone": "078 555 00 11"})
    assert answer.status_code == fresh.status_code == 202 and answer.json() == fresh.json()
    assert outbox.sent[0].phone == ADA_E164, "the code goes to the member who owns the number"
    page = shop.client.get("/v1/members", params={"q": "Mallory"}, headers=shop.admin).json()
    assert [member["phone"] for member in page["items"]] == ["+41785550011"]


def test_an_unknown_programme_is_404(shop: Tenant) -> None:
    answer = shop.client.post(f"/v1/app/{uuid.uuid4()}/login", json={"phone": ADA_PHONE})
    assert answer.status_code == 404


def test_the_members_own_endpoints_take_member_keys_only(shop: Tenant, outbox: Outbox) -> None:
    register(shop)
    assert shop.client.get("/v1/me").status_code == 401
    assert shop.client.get("/v1/me", headers=shop.admin).status_code == 403
    assert shop.client.get("/v1/me/history", headers=shop.pos).status_code == 403
    session = log_in(shop, outbox)
    assert shop.client.post("/v1/me/logout", headers=bearer(session)).status_code == 204
    assert shop.client.get("/v1/me", headers=bearer(session)).status_code == 401


def test_the_history_names_the_rule_and_explains_the_points(shop: Tenant, outbox: Outbox, db: Database) -> None:
    active_rule(
        db,
        shop,
        name="Welcome gift",
        trigger="joined",
        actions=[{"type": "add_points", "mode": "fixed", "points": "50"}],
    )
    member = register(shop)
    adjust(shop, member["id"], "-5", reason="double scan")
    session = log_in(shop, outbox)
    items = shop.client.get("/v1/me/history", headers=bearer(session)).json()["items"]
    assert [(item["kind"], item["points"], item["label"]) for item in items] == [
        ("adjust", "-5.00", "Correction"),
        ("earn", "50.00", "Welcome gift"),
    ]
    assert items[0]["detail"] == "double scan" and "50" in items[1]["detail"]


def test_the_qr_is_drawn_as_svg(shop: Tenant, outbox: Outbox) -> None:
    member = register(shop)
    session = log_in(shop, outbox)
    issued = shop.client.post(f"/v1/members/{member['id']}/identification-code", headers=bearer(session)).json()
    answer = shop.client.post("/v1/me/qr.svg", json={"qr": issued["qr"]}, headers=bearer(session))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text.startswith("<svg") and "viewBox" in answer.text
    assert answer.headers["cache-control"] == "no-store"


def test_joining_in_the_app_earns_nothing_and_is_not_found_at_the_till_until_the_code_proves_the_number(
    shop: Tenant, outbox: Outbox, db: Database
) -> None:
    active_rule(db, shop, trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}])
    body = {"phone": "078 555 12 34", "first_name": "Mallory", "consent": {"terms": True}}
    assert post(shop, "/v1/app/{b}/register", body).status_code == 202
    # Someone typing another person's number gets no welcome points to spend at the till under that number.
    assert shop.client.post("/v1/identify", json={"phone": "078 555 12 34"}, headers=shop.pos).status_code == 404
    pending = shop.client.get("/v1/members", params={"q": "Mallory"}, headers=shop.admin).json()["items"][0]
    assert pending["status"] == "pending" and pending["points_balance"] == "0.00"

    session = post(shop, "/v1/app/{b}/login/verify", {"phone": "078 555 12 34", "code": outbox.last()}).json()
    me = shop.client.get("/v1/me", headers=bearer(session)).json()
    assert me["status"] == "active" and me["points_balance"] == "50.00"
    found = shop.client.post("/v1/identify", json={"phone": "078 555 12 34"}, headers=shop.pos)
    assert found.status_code == 200 and found.json()["points_balance"] == "50.00"
    log_in(shop, outbox, phone="078 555 12 34")  # a second login does not join twice
    assert shop.client.get("/v1/me", headers=bearer(session)).json()["points_balance"] == "50.00"


def test_an_admin_who_activates_a_pending_member_vouches_for_the_number(shop: Tenant, db: Database) -> None:
    active_rule(db, shop, trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}])
    post(shop, "/v1/app/{b}/register", {"phone": "078 555 12 35", "first_name": "Ed", "consent": {"terms": True}})
    pending = shop.client.get("/v1/members", params={"q": "Ed"}, headers=shop.admin).json()["items"][0]
    changed = shop.client.patch(f"/v1/members/{pending['id']}", json={"status": "active"}, headers=shop.admin)
    assert changed.status_code == 200 and changed.json()["points_balance"] == "50.00"
    assert shop.client.post("/v1/identify", json={"phone": "078 555 12 35"}, headers=shop.pos).status_code == 200
