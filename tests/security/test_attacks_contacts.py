"""Attacks on who a member is: their phone and e-mail address, the app sessions they open, and what a till reads of
them. Each through every door that reaches it: `/v1` with a pos key, Como's `/api/v4` with the same key, and the
member app's routes."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.engine import Database
from tests.como.helpers import ComoTill
from tests.conftest import Tenant, make_tenant
from tests.support.outbox import Outbox
from tests.support.people import member_key, register

OWNER_PHONE = "078 555 66 01"
OWNER_E164 = "+41785556601"
OWNER_EMAIL = "ada@example.com"
SQUATTER_EMAIL = "mallory@evil.example"
NEW_EMAIL = "ada.new@example.com"


def admin_view(shop: Tenant, member_id: str) -> dict[str, Any]:
    answer = shop.client.get(f"/v1/members/{member_id}", headers=shop.admin)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def search(shop: Tenant, text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = shop.client.get("/v1/members", params={"q": text}, headers=shop.admin).json()["items"]
    return found


def join(shop: Tenant, **body: Any) -> None:
    answer = shop.client.post(f"/v1/app/{shop.business_id}/register", json={"consent": {"terms": True}, **body})
    assert answer.status_code == 202, answer.text


def log_in(shop: Tenant, code: str, **contact: str) -> dict[str, str]:
    answer = shop.client.post(f"/v1/app/{shop.business_id}/login/verify", json={**contact, "code": code})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['key']}"}


def identify(shop: Tenant, door: str, **way: str) -> str | None:
    ((name, value),) = way.items()
    if door == "v1":
        answer = shop.client.post("/v1/identify", json={name: value}, headers=shop.pos)
        assert answer.status_code in (200, 404), answer.text
        return str(answer.json()["id"]) if answer.status_code == 200 else None
    como = {"phone": "phoneNumber", "email": "email"}[name]
    found = ComoTill(shop.client, shop.pos_key).client.post(
        "/api/v4/getMemberDetails",
        json={"customer": {como: value}},
        headers=ComoTill(shop.client, shop.pos_key).headers,
    )
    body = found.json()
    if body["status"] == "error":
        assert body["errors"][0]["code"] == "4001012", body
        return None
    return str(body["membership"]["commonExtId"])


DOORS = ["v1", "como"]


# --- finding 6: a till reads contacts masked, at every door ---------------------------------------------------


def test_a_till_reads_a_members_phone_and_email_masked_at_every_door(shop: Tenant) -> None:
    ada = register(shop, OWNER_PHONE, email=OWNER_EMAIL)
    by_v1 = shop.client.get(f"/v1/members/{ada['id']}", headers=shop.pos).json()
    till = ComoTill(shop.client, shop.pos_key)
    by_como = till.post("getMemberDetails", {"customer": {"commonExtId": ada["id"]}})["membership"]
    for phone, email in ((by_v1["phone"], by_v1["email"]), (by_como["phoneNumber"], by_como["email"])):
        assert phone == "+41 •• ••• •• 01" and email == "a•••@example.com"
    assert OWNER_E164 not in str(by_como) and OWNER_EMAIL not in str(by_como)


# --- finding 1: sessions end with a contact change; admins list and end them --------------------------------


def test_admins_list_and_end_a_members_app_sessions(shop: Tenant, db: Database) -> None:
    ada = register(shop, OWNER_PHONE, email=OWNER_EMAIL)
    phone, laptop = member_key(db, shop, ada["id"]), member_key(db, shop, ada["id"])
    listed = shop.client.get(f"/v1/members/{ada['id']}/sessions", headers=shop.admin)
    assert listed.status_code == 200 and len(listed.json()) == 2, listed.text
    assert "key" not in listed.json()[0] and listed.json()[0]["prefix"]
    # A till may neither read nor end them; another business's admin does not see the member at all.
    assert shop.client.get(f"/v1/members/{ada['id']}/sessions", headers=shop.pos).status_code == 403
    assert shop.client.delete(f"/v1/members/{ada['id']}/sessions", headers=shop.pos).status_code == 403
    other = make_tenant(db, shop.client, name="Another shop")
    assert shop.client.get(f"/v1/members/{ada['id']}/sessions", headers=other.admin).status_code == 404
    assert shop.client.delete(f"/v1/members/{ada['id']}/sessions", headers=other.admin).status_code == 404
    assert shop.client.get("/v1/me", headers=phone).status_code == 200
    ended = shop.client.delete(f"/v1/members/{ada['id']}/sessions", headers=shop.admin)
    assert ended.status_code == 200 and ended.json() == {"ended": 2}, ended.text
    for key in (phone, laptop):
        assert shop.client.get("/v1/me", headers=key).status_code == 401
    assert shop.client.get(f"/v1/members/{ada['id']}/sessions", headers=shop.admin).json() == []


def test_an_admin_putting_the_email_back_ends_the_session_it_opened(shop: Tenant, db: Database) -> None:
    ada = register(shop, OWNER_PHONE, email=OWNER_EMAIL)
    moved = shop.client.patch(f"/v1/members/{ada['id']}", json={"email": SQUATTER_EMAIL}, headers=shop.admin)
    assert moved.status_code == 200
    stolen = member_key(db, shop, ada["id"])  # whoever held the other address logged in meanwhile
    back = shop.client.patch(f"/v1/members/{ada['id']}", json={"email": OWNER_EMAIL}, headers=shop.admin)
    assert back.status_code == 200
    assert shop.client.get("/v1/me", headers=stolen).status_code == 401


# --- the member changes a contact in the app, proving the new one ---------------------------------------------


def test_a_member_changes_their_email_in_the_app_only_with_the_code_sent_to_it(
    shop: Tenant, db: Database, outbox: Outbox
) -> None:
    ada = register(shop, OWNER_PHONE, email=OWNER_EMAIL)
    session, other_device = member_key(db, shop, ada["id"]), member_key(db, shop, ada["id"])
    asked = shop.client.post("/v1/me/contact", json={"email": NEW_EMAIL}, headers=session)
    assert asked.status_code == 202, asked.text
    (code,) = outbox.to(NEW_EMAIL)
    assert admin_view(shop, ada["id"])["email"] == OWNER_EMAIL  # nothing changes before the proof
    # A wrong code changes nothing; nor can the code log anyone in by the old address or the new one.
    wrong = shop.client.post("/v1/me/contact/verify", json={"email": NEW_EMAIL, "code": "000000"}, headers=session)
    assert wrong.status_code == 401
    for contact in ({"email": OWNER_EMAIL}, {"email": NEW_EMAIL}):
        stolen = shop.client.post(f"/v1/app/{shop.business_id}/login/verify", json={**contact, "code": code})
        assert stolen.status_code == 401
    proven = shop.client.post("/v1/me/contact/verify", json={"email": NEW_EMAIL, "code": code}, headers=session)
    assert proven.status_code == 200, proven.text
    fresh = {"Authorization": f"Bearer {proven.json()['key']}"}
    assert shop.client.get("/v1/me", headers=fresh).json()["email"] == NEW_EMAIL
    for old in (session, other_device):
        assert shop.client.get("/v1/me", headers=old).status_code == 401
    for door in DOORS:  # proven: it finds the member at a till
        assert identify(shop, door, email=NEW_EMAIL) == ada["id"]
        assert identify(shop, door, email=OWNER_EMAIL) is None


def test_proving_an_email_a_till_put_on_someone_else_takes_it_from_them(
    shop: Tenant, db: Database, outbox: Outbox
) -> None:
    ada = register(shop, OWNER_PHONE)
    mallory = register(shop, "078 555 66 02")
    # A till gives Mallory's record Ada's address: allowed (she had none), unproven, finding nobody.
    filled = shop.client.patch(f"/v1/members/{mallory['id']}", json={"email": OWNER_EMAIL}, headers=shop.pos)
    assert filled.status_code == 200
    session = member_key(db, shop, ada["id"])
    assert shop.client.post("/v1/me/contact", json={"email": OWNER_EMAIL}, headers=session).status_code == 202
    (code,) = outbox.to(OWNER_EMAIL)
    proven = shop.client.post("/v1/me/contact/verify", json={"email": OWNER_EMAIL, "code": code}, headers=session)
    assert proven.status_code == 200, proven.text
    assert admin_view(shop, mallory["id"])["email"] is None
    assert admin_view(shop, ada["id"])["email"] == OWNER_EMAIL
    for door in DOORS:
        assert identify(shop, door, email=OWNER_EMAIL) == ada["id"]


def test_an_address_someone_proved_is_never_sent_a_code_for_another_member(
    shop: Tenant, db: Database, outbox: Outbox
) -> None:
    register(shop, OWNER_PHONE, email=OWNER_EMAIL)
    mallory = register(shop, "078 555 66 02")
    session = member_key(db, shop, mallory["id"])
    assert shop.client.post("/v1/me/contact", json={"email": OWNER_EMAIL}, headers=session).status_code == 202
    assert outbox.to(OWNER_EMAIL) == []


# --- finding 4: a squatter's join, then the owner proves the phone ---------------------------------------------


@pytest.mark.parametrize("owner_asks_by", ["join", "login"])
def test_a_squatter_joining_with_a_strangers_phone_keeps_nothing_of_the_owners_account(
    shop: Tenant, outbox: Outbox, owner_asks_by: str
) -> None:
    join(shop, phone=OWNER_PHONE, email=SQUATTER_EMAIL, first_name="Mallory")
    outbox.sent.clear()  # the squatter's code went to the owner's phone; the owner ignores it
    if owner_asks_by == "join":
        join(shop, phone=OWNER_PHONE, first_name="Ada")
    else:
        assert shop.client.post(f"/v1/app/{shop.business_id}/login", json={"phone": OWNER_PHONE}).status_code == 202
    (code,) = outbox.to(OWNER_E164)
    owner = log_in(shop, code, phone=OWNER_PHONE)
    me = shop.client.get("/v1/me", headers=owner).json()
    assert me["email"] is None and me["status"] == "active"
    assert me["first_name"] == ("Ada" if owner_asks_by == "join" else "")
    # The squatter's name and e-mail stay on the squatter's record, without the phone, still pending.
    (squatter,) = search(shop, SQUATTER_EMAIL)
    assert squatter["id"] != me["id"] and squatter["first_name"] == "Mallory"
    shown = admin_view(shop, squatter["id"])
    assert (shown["phone"], shown["status"]) == (None, "pending")
    # The squatter's e-mail finds nobody at a till, and receives no login code.
    for door in DOORS:
        assert identify(shop, door, email=SQUATTER_EMAIL) is None
        assert identify(shop, door, phone=OWNER_PHONE) == me["id"]
    assert shop.client.post(f"/v1/app/{shop.business_id}/login", json={"email": SQUATTER_EMAIL}).status_code == 202
    assert outbox.to(SQUATTER_EMAIL) == []


def test_a_joiner_who_proves_their_own_phone_keeps_what_they_gave(shop: Tenant, outbox: Outbox) -> None:
    join(shop, phone=OWNER_PHONE, email=OWNER_EMAIL, first_name="Ada")
    (code,) = outbox.to(OWNER_E164)
    me = shop.client.get("/v1/me", headers=log_in(shop, code, phone=OWNER_PHONE)).json()
    assert (me["first_name"], me["email"], me["status"]) == ("Ada", OWNER_EMAIL, "active")


def test_joining_with_a_phone_a_till_filled_unproven_takes_it_from_that_record(shop: Tenant, outbox: Outbox) -> None:
    bob = register(shop, None, email="bob@example.com")  # an e-mail-only member; a till then adds "his" phone
    assert (
        shop.client.patch(f"/v1/members/{bob['id']}", json={"phone": OWNER_PHONE}, headers=shop.pos).status_code == 200
    )
    outbox.sent.clear()
    join(shop, phone=OWNER_PHONE, first_name="Ada")
    (code,) = outbox.to(OWNER_E164)
    me = shop.client.get("/v1/me", headers=log_in(shop, code, phone=OWNER_PHONE)).json()
    assert me["id"] != bob["id"] and me["first_name"] == "Ada"
    assert admin_view(shop, bob["id"])["phone"] is None
    assert admin_view(shop, bob["id"])["email"] == "bob@example.com"


def test_proving_a_phone_a_squatter_joined_with_removes_the_squatters_empty_record(
    shop: Tenant, db: Database, outbox: Outbox
) -> None:
    join(shop, phone=OWNER_PHONE, first_name="Mallory")  # pending, nothing but the owner's phone
    (squatter,) = search(shop, "Mallory")
    ada = register(shop, None, email=OWNER_EMAIL)
    session = member_key(db, shop, ada["id"])
    outbox.sent.clear()
    assert shop.client.post("/v1/me/contact", json={"phone": OWNER_PHONE}, headers=session).status_code == 202
    (code,) = outbox.to(OWNER_E164)
    proven = shop.client.post("/v1/me/contact/verify", json={"phone": OWNER_PHONE, "code": code}, headers=session)
    assert proven.status_code == 200, proven.text
    assert shop.client.get(f"/v1/members/{squatter['id']}", headers=shop.admin).status_code == 404
    for door in DOORS:
        assert identify(shop, door, phone=OWNER_PHONE) == ada["id"]


def test_an_admin_vouching_for_an_address_takes_it_from_the_record_a_till_put_it_on(shop: Tenant) -> None:
    ada = register(shop, OWNER_PHONE)
    mallory = register(shop, "078 555 66 02")
    assert (
        shop.client.patch(f"/v1/members/{mallory['id']}", json={"email": OWNER_EMAIL}, headers=shop.pos).status_code
        == 200
    )
    vouched = shop.client.patch(f"/v1/members/{ada['id']}", json={"email": OWNER_EMAIL}, headers=shop.admin)
    assert vouched.status_code == 200, vouched.text
    assert admin_view(shop, mallory["id"])["email"] is None
    for door in DOORS:
        assert identify(shop, door, email=OWNER_EMAIL) == ada["id"]
    # An address someone proved stays theirs: the admin is told, nothing moves.
    bob = register(shop, "078 555 66 03")
    taken = shop.client.patch(f"/v1/members/{bob['id']}", json={"email": OWNER_EMAIL}, headers=shop.admin)
    assert taken.status_code == 409 and taken.json()["error"]["details"]["field"] == "email", taken.text
