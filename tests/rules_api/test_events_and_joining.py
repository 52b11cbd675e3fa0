"""Rules without a purchase: custom events (`POST /v1/events`) and the welcome points of a registration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Tenant
from tests.rules_api.helpers import JOINED_CASES, create, register


def review_rule(points: str = "20", **changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": "Review written: 20 points",
        "trigger": "event",
        "status": "active",
        "conditions": {"event": "review_written"},
        "actions": [{"type": "add_points", "mode": "fixed", "points": points}],
    }
    return rule | changes


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin).json()["points_balance"])


@pytest.mark.parametrize("case", JOINED_CASES, ids=[case["name"][:60] for case in JOINED_CASES])
def test_seed_example_for_joining_gives_the_welcome_points_at_registration(
    tenant: Tenant, case: dict[str, Any]
) -> None:
    for rule in case["rules"]:
        create(tenant, rule)
    member = register(tenant, **case["register"])
    expected = Decimal(case["expect"]["points_balance_after_registration"])
    assert Decimal(member["points_balance"]) == expected
    assert balance(tenant, member["id"]) == expected


def test_an_event_fires_the_rules_that_name_it_and_says_what_was_earned(tenant: Tenant) -> None:
    rule = create(tenant, review_rule())
    member = register(tenant, "+41 79 555 21 01")
    answer = tenant.client.post(
        "/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.admin
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["name"] == "review_written"
    assert Decimal(body["points_earned"]) == 20
    assert Decimal(body["points_balance"]) == 20
    [earned] = body["earned"]
    assert (earned["rule_id"], earned["revision"]) == (rule["id"], 1)
    assert earned["explanation"]
    assert balance(tenant, member["id"]) == 20


def test_a_till_may_report_an_event_too(tenant: Tenant) -> None:
    create(tenant, review_rule())
    member = register(tenant, "+41 79 555 21 02")
    answer = tenant.client.post(
        "/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.pos
    )
    assert answer.status_code == 201, answer.text
    assert balance(tenant, member["id"]) == 20


def test_an_event_no_rule_names_is_recorded_and_earns_nothing(tenant: Tenant) -> None:
    create(tenant, review_rule())
    member = register(tenant, "+41 79 555 21 03")
    answer = tenant.client.post("/v1/events", json={"member_id": member["id"], "name": "birthday"}, headers=tenant.pos)
    assert answer.status_code == 201
    assert Decimal(answer.json()["points_earned"]) == 0
    assert answer.json()["earned"] == []
    assert balance(tenant, member["id"]) == 0


def test_an_event_rule_limited_to_once_a_day_fires_once(tenant: Tenant) -> None:
    create(tenant, review_rule(limits={"per_member": 1, "period": "day"}))
    member = register(tenant, "+41 79 555 21 04")
    for _ in range(3):
        tenant.client.post("/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.pos)
    assert balance(tenant, member["id"]) == 20


def test_an_event_can_tag_the_member(tenant: Tenant) -> None:
    create(
        tenant,
        review_rule(
            actions=[{"type": "tag_member", "tag": "reviewer"}, {"type": "add_points", "mode": "fixed", "points": "5"}]
        ),
    )
    member = register(tenant, "+41 79 555 21 05")
    answer = tenant.client.post(
        "/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.admin
    )
    assert [effect["value"] for effect in answer.json()["effects"]] == ["reviewer"]
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert "reviewer" in shown["tags"]


def test_a_stopped_event_rule_gives_nothing(tenant: Tenant) -> None:
    rule = create(tenant, review_rule())
    tenant.client.post(f"/v1/rules/{rule['id']}/stop", headers=tenant.admin)
    member = register(tenant, "+41 79 555 21 06")
    tenant.client.post("/v1/events", json={"member_id": member["id"], "name": "review_written"}, headers=tenant.admin)
    assert balance(tenant, member["id"]) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x"}, "member_id"),
        ({"member_id": "not-an-id", "name": "x"}, "member_id"),
        ({"member_id": "00000000-0000-0000-0000-000000000000"}, "name"),
        ({"member_id": "00000000-0000-0000-0000-000000000000", "name": ""}, "name"),
        ({"member_id": "00000000-0000-0000-0000-000000000000", "name": "x", "points": 5}, "points"),
    ],
    ids=["no member", "member not an id", "no name", "empty name", "unknown field"],
)
def test_an_event_that_cannot_be_recorded_is_refused_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    answer = tenant.client.post("/v1/events", json=body, headers=tenant.admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == field


def test_an_event_for_another_businesss_member_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    create(other_tenant, review_rule())
    stranger = register(other_tenant, "+41 79 555 21 07")
    answer = tenant.client.post(
        "/v1/events", json={"member_id": stranger["id"], "name": "review_written"}, headers=tenant.admin
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "member_not_found"
    assert balance(other_tenant, stranger["id"]) == 0


def test_events_need_an_admin_or_pos_key(tenant: Tenant) -> None:
    body = {"member_id": "00000000-0000-0000-0000-000000000000", "name": "x"}
    assert tenant.client.post("/v1/events", json=body).status_code == 401
    assert tenant.client.post("/v1/events", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
