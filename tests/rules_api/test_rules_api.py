"""The Campaign Center's rules over HTTP: creation, revisions, activation, refusals that name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Tenant
from tests.rules_api.helpers import create, dairy_basket, dairy_rate, simulate


def test_a_new_rule_comes_back_with_its_id_revision_one_and_status(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate())
    assert made["id"]
    assert made["revision"] == 1
    assert made["status"] == "active"
    assert made["name"] == "Dairy: 1 point per 1.00"
    assert made["actions"][0]["per"] == "1.00"
    shown = tenant.client.get(f"/v1/rules/{made['id']}", headers=tenant.admin).json()
    assert shown == made


def test_a_rule_is_a_draft_unless_it_says_otherwise(tenant: Tenant) -> None:
    body = dairy_rate()
    del body["status"]
    assert create(tenant, body)["status"] == "draft"


def test_amounts_sent_as_json_numbers_are_read_exactly(tenant: Tenant) -> None:
    raw = (
        b'{"name": "fine rate", "trigger": "purchase", "status": "active", "actions": '
        b'[{"type": "add_points", "mode": "rate", "points": 0.01, "per": 0.01}]}'
    )
    made = tenant.client.post("/v1/rules", content=raw, headers=tenant.admin | {"Content-Type": "application/json"})
    assert made.status_code == 201, made.text
    action = made.json()["actions"][0]
    assert (action["points"], action["per"]) == ("0.01", "0.01")
    assert Decimal(simulate(tenant, {"purchase": dairy_basket("2.50")})["points_earned"]) == Decimal("2.5")


def test_a_new_revision_keeps_the_old_one_readable_and_unchanged(tenant: Tenant) -> None:
    first = create(tenant, dairy_rate())
    changed = dairy_rate(name="Dairy: 2 points per 1.00")
    changed["actions"][0]["points"] = "2"
    revised = tenant.client.put(f"/v1/rules/{first['id']}", json=changed, headers=tenant.admin)
    assert revised.status_code == 200, revised.text
    assert revised.json()["revision"] == 2
    assert revised.json()["actions"][0]["points"] == "2"

    old = tenant.client.get(f"/v1/rules/{first['id']}", params={"revision": 1}, headers=tenant.admin).json()
    assert old["revision"] == 1
    assert old["name"] == "Dairy: 1 point per 1.00"
    assert old["actions"] == first["actions"]
    current = tenant.client.get(f"/v1/rules/{first['id']}", headers=tenant.admin).json()
    assert current["revision"] == 2
    assert current["name"] == "Dairy: 2 points per 1.00"

    [earned] = simulate(tenant, {"purchase": dairy_basket("3.00")})["earned"]
    assert earned["revision"] == 2
    assert Decimal(earned["points"]) == 6


def test_a_revision_that_does_not_exist_is_not_found(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate())
    answer = tenant.client.get(f"/v1/rules/{made['id']}", params={"revision": 7}, headers=tenant.admin)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "rule_revision_not_found"


def test_a_revision_keeps_the_status_unless_it_names_one(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate(status="stopped"))
    body = dairy_rate()
    del body["status"]
    assert tenant.client.put(f"/v1/rules/{made['id']}", json=body, headers=tenant.admin).json()["status"] == "stopped"
    body["status"] = "active"
    assert tenant.client.put(f"/v1/rules/{made['id']}", json=body, headers=tenant.admin).json()["status"] == "active"


def test_a_rule_read_from_the_api_can_be_edited_and_sent_back(tenant: Tenant) -> None:
    shown = create(tenant, dairy_rate())
    shown["name"] = "Dairy, renamed"
    revised = tenant.client.put(f"/v1/rules/{shown['id']}", json=shown, headers=tenant.admin)
    assert revised.status_code == 200, revised.text
    assert revised.json()["revision"] == 2


def test_an_edit_of_an_outdated_revision_is_a_conflict_not_a_silent_overwrite(tenant: Tenant) -> None:
    shown = create(tenant, dairy_rate())
    assert tenant.client.put(f"/v1/rules/{shown['id']}", json=shown, headers=tenant.admin).status_code == 200
    stale = tenant.client.put(f"/v1/rules/{shown['id']}", json=shown | {"name": "late"}, headers=tenant.admin)
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "rule_revision_conflict"
    assert tenant.client.get(f"/v1/rules/{shown['id']}", headers=tenant.admin).json()["revision"] == 2


def test_a_rule_cannot_take_another_rules_id(tenant: Tenant) -> None:
    first, second = create(tenant, dairy_rate()), create(tenant, dairy_rate())
    answer = tenant.client.put(f"/v1/rules/{first['id']}", json=second, headers=tenant.admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "id"


def test_a_new_rule_cannot_choose_its_id(tenant: Tenant) -> None:
    answer = tenant.client.post("/v1/rules", json=dairy_rate(id="mine"), headers=tenant.admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "id"


def test_stopping_and_activating_change_what_a_basket_earns(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate())
    basket = {"purchase": dairy_basket("4.00")}
    assert Decimal(simulate(tenant, basket)["points_earned"]) == 4

    stopped = tenant.client.post(f"/v1/rules/{made['id']}/stop", headers=tenant.admin)
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["revision"] == 1  # a status change is not a new revision
    assert Decimal(simulate(tenant, basket)["points_earned"]) == 0

    activated = tenant.client.post(f"/v1/rules/{made['id']}/activate", headers=tenant.admin)
    assert activated.json()["status"] == "active"
    assert Decimal(simulate(tenant, basket)["points_earned"]) == 4
    again = tenant.client.post(f"/v1/rules/{made['id']}/activate", headers=tenant.admin)
    assert again.status_code == 200
    assert again.json()["status"] == "active"


def test_a_draft_earns_nothing_until_it_is_activated(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate(status="draft"))
    basket = {"purchase": dairy_basket("4.00")}
    assert Decimal(simulate(tenant, basket)["points_earned"]) == 0
    tenant.client.post(f"/v1/rules/{made['id']}/activate", headers=tenant.admin)
    assert Decimal(simulate(tenant, basket)["points_earned"]) == 4


def test_rules_are_listed_and_filtered_by_status(tenant: Tenant) -> None:
    active = create(tenant, dairy_rate(name="on"))
    stopped = create(tenant, dairy_rate(name="off", status="stopped"))
    listed = tenant.client.get("/v1/rules", headers=tenant.admin).json()
    assert [rule["id"] for rule in listed] == [active["id"], stopped["id"]]
    only = tenant.client.get("/v1/rules", params={"status": "stopped"}, headers=tenant.admin).json()
    assert [rule["id"] for rule in only] == [stopped["id"]]
    bad = tenant.client.get("/v1/rules", params={"status": "paused"}, headers=tenant.admin)
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "status"


def _with_action(**action: Any) -> dict[str, Any]:
    return dairy_rate(actions=[{"type": "add_points", **action}])


@pytest.mark.parametrize(
    ("rule", "field", "says"),
    [
        (_with_action(mode="double", points="1"), "actions.0.mode", "fixed, repeat, rate, percent"),
        (
            _with_action(mode="repeat", points="10", exclude_mops=["points"]),
            "actions.0.exclude_mops",
            "rate and percent",
        ),
        (_with_action(mode="fixed", points="5", exclude_mops="points"), "actions.0.exclude_mops", "rate and percent"),
        (_with_action(mode="rate", points="1", per="0"), "actions.0.per", "positive"),
        (_with_action(mode="rate", points="1", per="0.001"), "actions.0.per", "decimals"),
        (_with_action(mode="rate", points="1"), "actions.0.per", "required"),
        (_with_action(mode="fixed", points="1.005"), "actions.0.points", "decimals"),
        (dairy_rate(trigger="birthday"), "trigger", "purchase, joined, lifetime_points, code_used, event"),
        (dairy_rate(actions=[]), "actions", "non-empty list"),
        ({"name": "no actions", "trigger": "purchase"}, "actions", "non-empty list"),
        (dairy_rate(conditions={"min_spend": "abc"}), "conditions.min_spend", "amount"),
        (dairy_rate(limits={"per_member": 1, "period": "fortnight"}), "limits.period", "day, week"),
        (dairy_rate(trigger="event"), "conditions.event", "required"),
        (dairy_rate(colour="red"), "colour", "not a field"),
        (_with_action(mode="percent", percent="100000000000000000000"), "actions.0.percent", "at most 1,000"),
    ],
    ids=[
        "unknown mode",
        "exclude_mops on repeat",
        "exclude_mops on fixed",
        "per of zero",
        "per finer than a cent",
        "per missing",
        "points finer than hundredths",
        "unknown trigger",
        "no actions",
        "missing actions",
        "min_spend not an amount",
        "unknown period",
        "event trigger without event",
        "unknown field",
        "a typo of a percentage",
    ],
)
def test_an_invalid_rule_is_refused_naming_the_field_and_what_is_allowed(
    tenant: Tenant, rule: dict[str, Any], field: str, says: str
) -> None:
    answer = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["details"]["field"] == field
    assert says in error["message"]
    assert tenant.client.get("/v1/rules", headers=tenant.admin).json() == []


def test_an_amount_with_too_many_decimals_sent_as_a_json_number_is_refused_not_rounded(tenant: Tenant) -> None:
    raw = (
        b'{"name": "x", "trigger": "purchase", "actions": '
        b'[{"type": "add_points", "mode": "rate", "points": "1", "per": 1.005}]}'
    )
    answer = tenant.client.post("/v1/rules", content=raw, headers=tenant.admin | {"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "actions.0.per"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"", "body"),
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b'"a rule"', "body"),
        (b'{"name": "x", "trigger": "purchase", "actions": [{"type": "add_points", "mode": "fixed", "points": NaN}]}',
         "body"),
        (b'{"name": "x", "trigger": "purchase", "actions": [{"type": "add_points", "mode": "rate", "points": "1", '
         b'"per": 1e999999}]}', "actions.0.per"),
        (b'{"name": "x", "trigger": "purchase", "actions": [{"type": "add_points", "mode": "percent", '
         b'"percent": "1e30"}]}', "actions.0.percent"),
        (b"\xff\xfe", "body"),
    ],
    ids=["empty", "broken", "a list", "a string", "NaN", "enormous per", "enormous percent", "not UTF-8"],
)  # fmt: skip
def test_a_body_that_is_not_a_rule_object_is_refused_naming_it(tenant: Tenant, raw: bytes, field: str) -> None:
    answer = tenant.client.post("/v1/rules", content=raw, headers=tenant.admin | {"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_an_invalid_revision_leaves_the_rule_as_it_was(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate())
    bad = dairy_rate()
    bad["actions"][0]["mode"] = "double"
    answer = tenant.client.put(f"/v1/rules/{made['id']}", json=bad, headers=tenant.admin)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "actions.0.mode"
    assert tenant.client.get(f"/v1/rules/{made['id']}", headers=tenant.admin).json() == made


def test_another_businesss_rule_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = create(other_tenant, dairy_rate())
    path = f"/v1/rules/{theirs['id']}"
    for answer in (
        tenant.client.get(path, headers=tenant.admin),
        tenant.client.get(path, params={"revision": 1}, headers=tenant.admin),
        tenant.client.put(path, json=dairy_rate(), headers=tenant.admin),
        tenant.client.post(f"{path}/activate", headers=tenant.admin),
        tenant.client.post(f"{path}/stop", headers=tenant.admin),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "rule_not_found"
    assert tenant.client.get("/v1/rules", headers=tenant.admin).json() == []
    assert other_tenant.client.get(path, headers=other_tenant.admin).json()["status"] == "active"


def test_an_id_that_is_not_a_rule_id_is_not_found(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/rules/not-a-rule", headers=tenant.admin)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "rule_not_found"


def test_rules_need_an_admin_key(tenant: Tenant) -> None:
    made = create(tenant, dairy_rate())
    client = tenant.client
    calls = [
        ("POST", "/v1/rules", dairy_rate()),
        ("GET", "/v1/rules", None),
        ("GET", f"/v1/rules/{made['id']}", None),
        ("PUT", f"/v1/rules/{made['id']}", dairy_rate()),
        ("POST", f"/v1/rules/{made['id']}/activate", None),
        ("POST", f"/v1/rules/{made['id']}/stop", None),
    ]
    for method, path, body in calls:
        assert client.request(method, path, json=body).status_code == 401
        assert client.request(method, path, json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.request(method, path, json=body, headers=tenant.pos).status_code == 403
    assert client.get(f"/v1/rules/{made['id']}", headers=tenant.admin).json() == made


def test_the_rule_format_is_documented_in_the_openapi_schema(tenant: Tenant) -> None:
    spec = tenant.client.get("/openapi.json").json()
    body = spec["paths"]["/v1/rules"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"name", "trigger", "actions"}
    assert body["properties"]["actions"]["items"]["properties"]["mode"]["enum"] == [
        "fixed",
        "repeat",
        "rate",
        "percent",
    ]
    simulation = spec["paths"]["/v1/rules/simulate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "items" in simulation["properties"]["purchase"]["properties"]
    assert "$ref" not in str(simulation)
