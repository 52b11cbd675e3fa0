"""Writes without a key of their own (registrations, custom events, code redemptions) take an `Idempotency-Key`:
a retry with it happens once and answers the first answer; the key with another request is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Tenant
from tests.rules_api.test_events_and_joining import balance, review_rule
from tests.support.people import benefit, register


def keyed(tenant: Tenant, key: str) -> dict[str, str]:
    return tenant.pos | {"Idempotency-Key": key}


def test_an_event_retried_with_its_key_earns_once_and_answers_the_first_answer(tenant: Tenant) -> None:
    tenant.client.post("/v1/rules", json=review_rule(), headers=tenant.admin).raise_for_status()
    member = register(tenant)
    body = {"member_id": member["id"], "name": "review_written"}
    first = tenant.client.post("/v1/events", json=body, headers=keyed(tenant, "E-1"))
    again = tenant.client.post("/v1/events", json=body, headers=keyed(tenant, "E-1"))
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.content == first.content
    assert balance(tenant, member["id"]) == Decimal(20)
    other = tenant.client.post("/v1/events", json=body | {"name": "birthday"}, headers=keyed(tenant, "E-1"))
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert balance(tenant, member["id"]) == Decimal(20)


def test_without_a_key_an_event_sent_twice_is_two_events(tenant: Tenant) -> None:
    tenant.client.post("/v1/rules", json=review_rule(), headers=tenant.admin).raise_for_status()
    member = register(tenant)
    for _ in range(2):
        sent = tenant.client.post(
            "/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.pos
        )
        assert sent.status_code == 201
    assert balance(tenant, member["id"]) == Decimal(40)


def test_a_registration_retried_with_its_key_answers_the_same_member(tenant: Tenant) -> None:
    body = {"phone": "+41 79 555 06 06", "first_name": "Ada"}
    first = tenant.client.post("/v1/members", json=body, headers=keyed(tenant, "M-1"))
    again = tenant.client.post("/v1/members", json=body, headers=keyed(tenant, "M-1"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.content == first.content
    unkeyed = tenant.client.post("/v1/members", json=body, headers=tenant.pos)
    assert unkeyed.status_code == 409 and unkeyed.json()["error"]["code"] == "member_exists"


def test_a_code_redemption_retried_with_its_key_puts_one_benefit_in_the_wallet(tenant: Tenant) -> None:
    coffee = benefit(tenant)
    made = tenant.client.post("/v1/codes", json={"code": "HELLO", "benefit_id": coffee["id"]}, headers=tenant.admin)
    assert made.status_code == 201, made.text
    member = register(tenant)
    body = {"code": "HELLO", "member_id": member["id"]}
    first = tenant.client.post("/v1/codes/redeem", json=body, headers=keyed(tenant, "C-1"))
    again = tenant.client.post("/v1/codes/redeem", json=body, headers=keyed(tenant, "C-1"))
    assert first.status_code == 200 and again.status_code == 200 and again.content == first.content
    wallet: list[dict[str, Any]] = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()[
        "benefits"
    ]
    assert len(wallet) == 1


def test_keys_belong_to_their_till_and_are_refused_when_empty_or_too_long(tenant: Tenant) -> None:
    member = register(tenant)
    body = {"member_id": member["id"], "name": "visit"}
    assert tenant.client.post("/v1/events", json=body, headers=keyed(tenant, "K")).status_code == 201
    # The same key from the admin key is another scope: its own event.
    admin_keyed = tenant.admin | {"Idempotency-Key": "K"}
    assert tenant.client.post("/v1/events", json=body, headers=admin_keyed).status_code == 201
    for bad in ("", "x" * 129):
        refused = tenant.client.post("/v1/events", json=body, headers=keyed(tenant, bad))
        assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "idempotency-key"
