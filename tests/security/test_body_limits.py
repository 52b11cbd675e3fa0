"""Request bodies past the limit (1 MB by default, LOYALTY_MAX_BODY_BYTES) are refused with 413 before they are
read; lists in rules and benefits are held to the sizes the schema gives."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.security.inprocess import serving


def sale(codes: int = 0, padding: int = 0) -> dict[str, object]:
    body: dict[str, object] = {
        "transaction_id": "T",
        "items": [{"line_id": "1", "amount": "1.00"}],
        "codes": [f"C{index}" for index in range(codes)],
    }
    return body | ({"padding": "p" * padding} if padding else {})


def test_a_body_over_the_limit_is_a_413_and_one_under_it_is_read(tenant: Tenant) -> None:
    huge = json.dumps(sale(padding=1_100_000))
    answer = tenant.client.post("/v1/quotes", content=huge, headers={**tenant.pos, "Content-Type": "application/json"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "request_too_large"
    small = tenant.client.post(
        "/v1/quotes",
        content=json.dumps(sale(padding=900_000)),
        headers={**tenant.pos, "Content-Type": "application/json"},
    )
    assert small.status_code == 422 and small.json()["error"]["details"]["field"] == "padding"


@pytest.fixture
def strict_shop(settings: Settings, db: Database) -> Iterator[Tenant]:
    with TestClient(
        create_app(replace(settings, max_body_bytes=2_000), db=db), raise_server_exceptions=False
    ) as client:
        yield make_tenant(db, client)


def test_the_limit_is_a_setting_and_a_body_without_a_length_is_counted_as_it_streams(strict_shop: Tenant) -> None:
    body = json.dumps(sale(padding=3_000)).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    headers = {**strict_shop.pos, "Content-Type": "application/json"}
    declared = strict_shop.client.post("/v1/quotes", content=body, headers=headers)
    streamed = strict_shop.client.post("/v1/quotes", content=chunks(), headers=headers)
    assert declared.status_code == streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "request_too_large"
    assert strict_shop.client.post("/v1/quotes", content=json.dumps(sale()), headers=headers).status_code == 200


def test_a_declared_100_mb_body_is_refused_before_a_byte_of_it_is_sent(settings: Settings, db: Database) -> None:
    with serving(create_app(settings, db=db)) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            b"POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        answer = raw.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413") and "request_too_large" in answer


def rule(**selector: object) -> dict[str, object]:
    return {
        "name": "Big selector",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "items": selector}],
    }


def test_lists_in_rules_and_benefits_are_held_to_the_schemas_sizes(tenant: Tenant) -> None:
    codes = [f"SKU{index}" for index in range(51)]
    too_many = tenant.client.post("/v1/rules", json=rule(codes=codes), headers=tenant.admin)
    assert too_many.status_code == 422 and too_many.json()["error"]["details"]["field"] == "actions.0.items.codes"
    assert tenant.client.post("/v1/rules", json=rule(codes=codes[:50]), headers=tenant.admin).status_code == 201
    week = {**rule(codes=["A"]), "conditions": {"weekdays": ["mon"] * 8}}
    assert tenant.client.post("/v1/rules", json=week, headers=tenant.admin).json()["error"]["details"]["field"] == (
        "conditions.weekdays"
    )
    actions = {**rule(codes=["A"]), "actions": [{"type": "tag_member", "tag": f"t{index}"} for index in range(21)]}
    assert tenant.client.post("/v1/rules", json=actions, headers=tenant.admin).json()["error"]["details"]["field"] == (
        "actions"
    )
    benefit = {"name": "Free", "kind": "free_item", "items": {"codes": codes}}
    answer = tenant.client.post("/v1/benefits", json=benefit, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"].startswith("items.codes")
    tags = tenant.client.post("/v1/members", json={"phone": "078 555 99 01", "tags": codes}, headers=tenant.admin)
    assert tags.status_code == 422 and tags.json()["error"]["details"]["field"] == "tags"


def test_a_rules_per_member_limit_is_held_to_the_schemas_maximum(tenant: Tenant) -> None:
    body = {**rule(codes=["A"]), "limits": {"per_member": 10**30}}
    answer = tenant.client.post("/v1/rules", json=body, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "limits.per_member"
    body["limits"] = {"per_member": 1_000_000}
    assert tenant.client.post("/v1/rules", json=body, headers=tenant.admin).status_code == 201
