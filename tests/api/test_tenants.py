"""Every id-bearing endpoint × {own business, other business} × {valid, revoked, wrong-kind key}:
another business's object is a 404 (never a 403 that would confirm it exists), a revoked key a 401, a key
of the wrong kind a 403."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Tenant

BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/v1/rules/{rule_id}"): {
        "name": "x",
        "trigger": "joined",
        "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}],
    },
    ("POST", "/v1/members/{member_id}/adjustments"): {"points": "1", "reason": "test"},
    ("POST", "/v1/members/{member_id}/credit"): {"amount": "1.00"},
    ("PATCH", "/v1/benefits/{benefit_id}"): {"price_points": "5"},
    ("POST", "/v1/members/{member_id}/benefits/buy"): {"benefit_id": "{benefit_id}"},
    ("PUT", "/v1/punch-cards/{card_id}"): {
        "name": "x",
        "punches_required": 2,
        "items": {"codes": ["A"]},
        "reward_benefit_id": "{benefit_id}",
    },
    ("POST", "/v1/members/{member_id}/benefits"): {"benefit_id": "{benefit_id}"},
    ("PATCH", "/v1/members/{member_id}"): {"first_name": "Eve"},
    ("POST", "/v1/purchases/{purchase_id}/returns"): {"return_id": "R-x", "lines": [{"line_id": "1", "quantity": 1}]},
    ("PATCH", "/v1/webhooks/{endpoint_id}"): {"description": "x"},
    ("PATCH", "/v1/terminals/{terminal_id}"): {"name": "x"},
}
PUBLIC = re.compile(r"^/v1/app/\{business_id\}")


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def objects(tenant: Tenant) -> dict[str, str]:
    client, admin, pos = tenant.client, tenant.admin, tenant.pos
    member = ok(client.post("/v1/members", headers=admin, json={"phone": "+41 79 555 06 06"}))
    ok(client.post(f"/v1/members/{member['id']}/adjustments", headers=admin, json={"points": "50", "reason": "x"}))
    benefit = ok(
        client.post(
            "/v1/benefits", headers=admin, json={"name": "1.00 off", "kind": "discount", "discount": {"amount": "1.00"}}
        )
    )
    asset = ok(client.post(f"/v1/members/{member['id']}/benefits", headers=admin, json={"benefit_id": benefit["id"]}))
    code = ok(client.post("/v1/codes", headers=admin, json={"code": "TENANT1", "benefit_id": benefit["id"]}))
    batch = ok(client.post("/v1/codes", headers=admin, json={"count": 3, "length": 8, "benefit_id": benefit["id"]}))
    rule = ok(
        client.post(
            "/v1/rules",
            headers=admin,
            json={
                "name": "r",
                "trigger": "purchase",
                "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}],
            },
        )
    )
    payment = ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "P-1-pay"},
            json={"member_id": member["id"], "transaction_id": "P-1", "amount": "1.00"},
        )
    )
    # Subscribed before the purchase, so the purchase leaves a delivery.
    endpoint = ok(
        client.post("/v1/webhooks", headers=admin, json={"url": "https://hooks.example.com/loyalty", "events": ["*"]})
    )
    purchase = ok(
        client.post(
            "/v1/purchases",
            headers=pos,
            json={
                "transaction_id": "T-1",
                "member_id": member["id"],
                "items": [{"line_id": "1", "code": "A", "quantity": 1, "amount": "5.00"}],
            },
        )
    )
    key = ok(client.post("/v1/api-keys", headers=admin, json={"kind": "admin", "name": "spare"}))
    # A spare terminal: retiring it (as the walk does) leaves the tenant's own till and its pos key alone.
    terminal = ok(client.post("/v1/terminals", headers=admin, json={"name": "spare", "branch_id": tenant.branch_id}))
    card = ok(
        client.post(
            "/v1/punch-cards",
            headers=admin,
            json={"name": "c", "punches_required": 2, "items": {"codes": ["A"]}, "reward_benefit_id": benefit["id"]},
        )
    )
    delivery = ok(client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=admin), 200)["items"][0]
    # Switched off: its deliveries stay pending, never claimed by another test's delivery run on this database.
    ok(client.patch(f"/v1/webhooks/{endpoint['id']}", headers=admin, json={"enabled": False}), 200)
    return {
        "member_id": member["id"],
        "benefit_id": benefit["id"],
        "asset_id": asset["id"],
        "code_id": code["id"],
        "batch_id": batch.get("batch_id") or batch.get("id", ""),
        "rule_id": rule["id"],
        "payment_id": payment["id"],
        "purchase_id": purchase["id"],
        "key_id": key["id"],
        "terminal_id": terminal["id"],
        "card_id": card["id"],
        "endpoint_id": endpoint["id"],
        "delivery_id": delivery["id"],
    }


def operations(tenant: Tenant) -> list[tuple[str, str]]:
    paths = tenant.client.get("/openapi.json").json()["paths"]
    found = [
        (method.upper(), path)
        for path, ops in paths.items()
        for method in ops
        if "{" in path and not PUBLIC.match(path)
    ]
    # Deletes last: the objects they remove are there for every other call first.
    return sorted(found, key=lambda operation: operation[0] == "DELETE")


def fill(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: ids[match.group(1)], template)


def call(tenant: Tenant, method: str, path: str, ids: dict[str, str], headers: dict[str, str]) -> Any:
    body = BODIES.get((method, path))
    json_body = {k: fill(v, ids) if isinstance(v, str) else v for k, v in body.items()} if body else None
    return tenant.client.request(method, fill(path, ids), headers=headers, json=json_body)


def test_another_business_objects_are_404_for_every_id_bearing_endpoint(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = objects(other_tenant)
    checked = 0
    for method, path in operations(tenant):
        answers = {call(tenant, method, path, theirs, headers).status_code for headers in (tenant.admin, tenant.pos)}
        assert answers <= {403, 404}, (method, path, answers)
        assert 404 in answers, (method, path, answers)  # the key kind the endpoint takes gets no more than a 404
        checked += 1
    assert checked >= 15


def test_a_revoked_key_is_401_everywhere(tenant: Tenant) -> None:
    ids = objects(tenant)
    revoked = ok(tenant.client.post("/v1/api-keys", headers=tenant.admin, json={"kind": "admin"}))
    ok(tenant.client.post(f"/v1/api-keys/{revoked['id']}/revoke", headers=tenant.admin), 200)
    for method, path in operations(tenant):
        status = call(tenant, method, path, ids, tenant.headers(revoked["key"])).status_code
        assert status == 401, (method, path, status)


@pytest.mark.parametrize("kind", ["admin", "pos"])
def test_own_objects_are_found_with_the_right_key(tenant: Tenant, kind: str) -> None:
    ids = objects(tenant)
    headers = tenant.admin if kind == "admin" else tenant.pos
    for method, path in operations(tenant):
        status = call(tenant, method, path, ids, headers).status_code
        assert status != 404, (method, path)  # the ids are real: 2xx, or 403 for the other kind's endpoints
