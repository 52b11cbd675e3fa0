"""API keys: shown once, stored hashed, revocable; tenants never see each other."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import ApiKey
from tests.conftest import Tenant


def test_keys_are_stored_hashed_never_in_clear(db: Database, tenant: Tenant) -> None:
    with db.read() as session:
        stored = list(session.scalars(select(ApiKey).where(ApiKey.business_id == uuid.UUID(tenant.business_id))))
    hashes = {key.key_hash for key in stored}
    assert hashlib.sha256(tenant.admin_key.encode()).hexdigest() in hashes
    for key in stored:
        for value in vars(key).values():
            assert tenant.admin_key not in str(value) and tenant.pos_key not in str(value)


def test_a_missing_or_unknown_key_is_401(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/business").status_code == 401
    answer = tenant.client.get("/v1/business", headers=tenant.headers("lk_admin_nope"))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


def test_a_revoked_key_is_401(tenant: Tenant) -> None:
    made = tenant.client.post("/v1/api-keys", json={"kind": "admin", "name": "temp"}, headers=tenant.admin)
    assert made.status_code == 201
    key = made.json()["key"]
    assert tenant.client.get("/v1/business", headers=tenant.headers(key)).status_code == 200
    revoked = tenant.client.post(f"/v1/api-keys/{made.json()['id']}/revoke", headers=tenant.admin)
    assert revoked.status_code == 200 and revoked.json()["key"] is None
    assert tenant.client.get("/v1/business", headers=tenant.headers(key)).status_code == 401


def test_a_key_of_the_wrong_kind_is_403(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/api-keys", headers=tenant.pos)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_another_business_object_is_404_not_403(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = other_tenant.client.get("/v1/api-keys", headers=other_tenant.admin).json()[0]["id"]
    answer = tenant.client.post(f"/v1/api-keys/{theirs}/revoke", headers=tenant.admin)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "key_not_found"
    made = tenant.client.post(
        "/v1/terminals", json={"name": "x", "branch_id": other_tenant.branch_id}, headers=tenant.admin
    )
    assert made.status_code == 422 and made.json()["error"]["details"]["field"] == "branch_id"


def test_listing_keys_never_shows_a_key(tenant: Tenant) -> None:
    listed = tenant.client.get("/v1/api-keys", headers=tenant.admin).json()
    assert {key["kind"] for key in listed} == {"admin", "pos"}
    assert all(key["key"] is None for key in listed)


def test_a_pos_key_needs_a_terminal_of_this_business(tenant: Tenant) -> None:
    answer = tenant.client.post("/v1/api-keys", json={"kind": "pos"}, headers=tenant.admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "terminal_id"
    made = tenant.client.post(
        "/v1/api-keys", json={"kind": "pos", "terminal_id": tenant.terminal_id}, headers=tenant.admin
    )
    assert made.status_code == 201 and made.json()["key"].startswith("lk_pos_")
