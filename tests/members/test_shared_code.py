"""A member has one live identification code, which every device of the member shows; it is replaced only by
"New code" or by its use. Each answer carries the server's clock, for the app's countdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.db.engine import Database
from tests.conftest import Tenant
from tests.support.people import member_key, register


def shown(tenant: Tenant, headers: dict[str, str]) -> dict[str, str]:
    answer = tenant.client.get("/v1/me/identification-code", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


def test_every_device_of_a_member_shows_the_same_live_code(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    phone, tablet = member_key(db, tenant, member["id"]), member_key(db, tenant, member["id"])
    first = shown(tenant, phone)
    for device in (tablet, phone, tablet):
        again = shown(tenant, device)
        assert (again["code"], again["qr"], again["expires_at"]) == (first["code"], first["qr"], first["expires_at"])
    server_time = datetime.fromisoformat(first["server_time"])
    assert abs(server_time - datetime.now(UTC)) < timedelta(seconds=30)
    assert datetime.fromisoformat(first["expires_at"]) - server_time <= timedelta(seconds=300)


def test_new_code_replaces_it_on_every_device_and_use_ends_it(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    phone, tablet = member_key(db, tenant, member["id"]), member_key(db, tenant, member["id"])
    first = shown(tenant, phone)
    renewed = tenant.client.post(f"/v1/members/{member['id']}/identification-code", headers=tablet)
    assert renewed.status_code == 201 and "server_time" in renewed.json()
    assert (
        shown(tenant, phone)["code"] == renewed.json()["code"] != first["code"] or first["qr"] != renewed.json()["qr"]
    )
    assert tenant.client.post("/v1/identify", json={"qr": first["qr"]}, headers=tenant.pos).status_code == 404
    used = tenant.client.post("/v1/identify", json={"code": renewed.json()["code"]}, headers=tenant.pos)
    assert used.status_code == 200 and used.json()["id"] == member["id"]
    after_use = shown(tenant, tablet)
    assert after_use["qr"] != renewed.json()["qr"]
    assert shown(tenant, phone)["qr"] == after_use["qr"]


def test_a_member_key_reads_only_its_own_code_and_other_keys_are_refused(tenant: Tenant, db: Database) -> None:
    ada = register(tenant)
    assert tenant.client.get("/v1/me/identification-code", headers=tenant.pos).status_code == 403
    assert tenant.client.get("/v1/me/identification-code", headers=tenant.admin).status_code == 403
    assert tenant.client.get("/v1/me/identification-code").status_code == 401
    mine = shown(tenant, member_key(db, tenant, ada["id"]))
    found = tenant.client.post("/v1/identify", json={"qr": mine["qr"]}, headers=tenant.pos)
    assert found.json()["id"] == ada["id"]
