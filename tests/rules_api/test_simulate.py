"""Try a basket: the Campaign Center's simulation answers with the engine's own outcome and writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Tenant
from tests.rules_api.helpers import (
    PURCHASE_CASES,
    create,
    dairy_basket,
    dairy_rate,
    register,
    simulate,
)


@pytest.mark.parametrize("case", PURCHASE_CASES, ids=[case["name"][:60] for case in PURCHASE_CASES])
def test_seed_example_earns_exactly_when_its_rules_are_stored_and_a_basket_is_tried(
    tenant: Tenant, case: dict[str, Any]
) -> None:
    for rule in case["rules"]:
        create(tenant, rule)
    answer = simulate(tenant, {"purchase": case["purchase"]})
    expected = Decimal(case["expect"]["points_earned"])
    assert Decimal(answer["points_earned"]) == expected
    assert sum((Decimal(earned["points"]) for earned in answer["earned"]), Decimal(0)) == expected


@pytest.mark.parametrize("case", PURCHASE_CASES, ids=[case["name"][:60] for case in PURCHASE_CASES])
def test_seed_example_earns_exactly_when_its_rules_are_tried_as_drafts(tenant: Tenant, case: dict[str, Any]) -> None:
    answer = simulate(tenant, {"purchase": case["purchase"], "rules": case["rules"]})
    assert Decimal(answer["points_earned"]) == Decimal(case["expect"]["points_earned"])
    assert all(earned["rule_id"].startswith("draft-") for earned in answer["earned"])


def test_each_earned_amount_names_its_rule_revision_lines_and_arithmetic(tenant: Tenant) -> None:
    rule = create(tenant, dairy_rate())
    answer = simulate(tenant, {"purchase": dairy_basket("2.50")})
    [earned] = answer["earned"]
    assert earned["rule_id"] == rule["id"]
    assert earned["revision"] == 1
    assert earned["rule_name"] == "Dairy: 1 point per 1.00"
    assert Decimal(earned["points"]) == 2
    assert earned["lines"] == [{"line_id": "1", "points": earned["points"]}]
    assert "2.50" in earned["explanation"]


def test_a_rule_that_does_not_fire_says_why(tenant: Tenant) -> None:
    create(tenant, dairy_rate(name="Big dairy baskets", conditions={"min_spend": "20.00"}))
    answer = simulate(tenant, {"purchase": dairy_basket("2.50")})
    assert Decimal(answer["points_earned"]) == 0
    [skipped] = answer["skipped"]
    assert skipped["name"] == "Big dairy baskets"
    assert skipped["reason"]


def test_a_draft_is_tried_as_active_instead_of_the_active_rules(tenant: Tenant) -> None:
    create(tenant, dairy_rate(name="stored"))
    draft = dairy_rate(name="draft at 2 points", status="draft")
    draft["actions"][0]["points"] = "2"
    answer = simulate(tenant, {"purchase": dairy_basket("3.00"), "rules": [draft]})
    assert [earned["rule_name"] for earned in answer["earned"]] == ["draft at 2 points"]
    assert answer["earned"][0]["rule_id"] == "draft-1"
    assert answer["earned"][0]["revision"] is None
    assert Decimal(answer["points_earned"]) == 6


def test_drafts_can_be_tried_on_top_of_the_active_rules(tenant: Tenant) -> None:
    create(tenant, dairy_rate(name="stored"))
    draft = dairy_rate(name="draft")
    answer = simulate(tenant, {"purchase": dairy_basket("3.00"), "rules": [draft], "include_active": True})
    assert sorted(earned["rule_name"] for earned in answer["earned"]) == ["draft", "stored"]
    assert Decimal(answer["points_earned"]) == 6


def test_a_rule_copied_from_the_api_can_be_tried_as_a_draft(tenant: Tenant) -> None:
    stored = create(tenant, dairy_rate(status="stopped"))
    answer = simulate(tenant, {"purchase": dairy_basket("3.00"), "rules": [stored]})
    assert Decimal(answer["points_earned"]) == 3


def test_the_simulation_uses_the_members_tags(tenant: Tenant) -> None:
    create(tenant, dairy_rate(conditions={"member_tags": ["VIP"]}))
    member = register(tenant, "+41 79 555 11 01", tags=["VIP"])
    basket = dairy_basket("3.00") | {"member_id": member["id"]}
    assert Decimal(simulate(tenant, {"purchase": basket})["points_earned"]) == 3
    assert Decimal(simulate(tenant, {"purchase": dairy_basket("3.00")})["points_earned"]) == 0
    what_if = {"purchase": dairy_basket("3.00"), "member": {"tags": ["VIP"]}}
    assert Decimal(simulate(tenant, what_if)["points_earned"]) == 3


def test_a_basket_that_crosses_a_lifetime_threshold_shows_the_bonus_as_the_purchase_would(tenant: Tenant) -> None:
    create(tenant, dairy_rate())
    create(
        tenant,
        {
            "name": "500 lifetime points: 100 bonus",
            "trigger": "lifetime_points",
            "status": "active",
            "conditions": {"lifetime_points_at_least": "500"},
            "actions": [{"type": "add_points", "mode": "fixed", "points": "100"}],
        },
    )
    below = simulate(tenant, {"purchase": dairy_basket("5.00"), "member": {"lifetime_points": "490"}})
    assert Decimal(below["points_earned"]) == 5
    assert [skipped["name"] for skipped in below["skipped"]] == ["500 lifetime points: 100 bonus"]
    crossing = simulate(tenant, {"purchase": dairy_basket("15.00"), "member": {"lifetime_points": "490"}})
    assert Decimal(crossing["points_earned"]) == 115
    assert crossing["skipped"] == []


def test_the_simulation_matches_the_confirmed_purchase(tenant: Tenant) -> None:
    create(tenant, dairy_rate(name="ten percent", actions=[{"type": "add_points", "mode": "percent", "percent": "10"}]))
    member = register(tenant, "+41 79 555 11 02")
    basket = {
        "transaction_id": "T-SIM-1",
        "member_id": member["id"],
        "items": [
            {"line_id": "1", "code": "A", "quantity": 1, "amount": "12.35"},
            {"line_id": "2", "code": "B", "quantity": 3, "amount": "7.10"},
        ],
        "payments": [{"mop": "card", "amount": "19.45"}],
    }
    tried = simulate(tenant, {"purchase": basket})
    confirmed = tenant.client.post("/v1/purchases", json=basket, headers=tenant.pos)
    assert confirmed.status_code == 201, confirmed.text
    assert Decimal(tried["points_earned"]) == Decimal(confirmed.json()["points_earned"]) == Decimal("1.94")
    assert [(e["rule_id"], e["points"], e["lines"]) for e in tried["earned"]] == [
        (e["rule_id"], e["points"], e["lines"]) for e in confirmed.json()["earned"]
    ]


def test_simulating_writes_nothing(tenant: Tenant) -> None:
    create(tenant, dairy_rate())
    member = register(tenant, "+41 79 555 11 03")
    for _ in range(2):
        simulate(tenant, {"purchase": dairy_basket("9.00") | {"member_id": member["id"]}})
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert Decimal(shown["points_balance"]) == 0
    assert Decimal(shown["lifetime_points"]) == 0


def test_a_joined_rule_can_be_tried_without_a_purchase(tenant: Tenant) -> None:
    welcome = {
        "name": "welcome",
        "trigger": "joined",
        "actions": [{"type": "add_points", "mode": "fixed", "points": "50"}],
    }
    answer = simulate(tenant, {"trigger": "joined", "rules": [welcome]})
    assert Decimal(answer["points_earned"]) == 50


def test_an_event_rule_can_be_tried_by_its_event_name(tenant: Tenant) -> None:
    rule = {
        "name": "review",
        "trigger": "event",
        "conditions": {"event": "review_written"},
        "actions": [{"type": "add_points", "mode": "fixed", "points": "20"}],
    }
    assert (
        Decimal(simulate(tenant, {"trigger": "event", "event": "review_written", "rules": [rule]})["points_earned"])
        == 20
    )
    other = simulate(tenant, {"trigger": "event", "event": "birthday", "rules": [rule]})
    assert Decimal(other["points_earned"]) == 0
    assert other["skipped"][0]["reason"]


def test_a_draft_with_a_mistake_is_refused_naming_its_position(tenant: Tenant) -> None:
    bad = dairy_rate()
    bad["actions"][0]["per"] = "0"
    answer = tenant.client.post(
        "/v1/rules/simulate", json={"purchase": dairy_basket(), "rules": [dairy_rate(), bad]}, headers=tenant.admin
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "rules.1.actions.0.per"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "purchase"),
        ({"purchase": {"transaction_id": "X", "items": []}}, "purchase.items"),
        ({"purchase": dairy_basket("2.555")}, "purchase.items.0.amount"),
        ({"purchase": dairy_basket() | {"codes": ["SUMMER10"]}}, "purchase.codes"),
        ({"purchase": dairy_basket(), "at": "2024-06-01T10:00:00"}, "at"),
        ({"trigger": "event"}, "event"),
        ({"purchase": dairy_basket(), "surprise": 1}, "surprise"),
    ],
    ids=["no purchase", "no items", "too many decimals", "codes", "time without offset", "event unnamed", "unknown"],
)
def test_a_simulation_that_cannot_be_run_is_refused_naming_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    answer = tenant.client.post("/v1/rules/simulate", json=body, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_a_member_of_another_business_cannot_be_simulated(tenant: Tenant, other_tenant: Tenant) -> None:
    stranger = register(other_tenant, "+41 79 555 11 04")
    answer = tenant.client.post(
        "/v1/rules/simulate",
        json={"purchase": dairy_basket() | {"member_id": stranger["id"]}},
        headers=tenant.admin,
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "member_not_found"


def test_only_an_admin_key_may_simulate(tenant: Tenant) -> None:
    body = {"purchase": dairy_basket()}
    assert tenant.client.post("/v1/rules/simulate", json=body, headers=tenant.pos).status_code == 403
    assert tenant.client.post("/v1/rules/simulate", json=body).status_code == 401
