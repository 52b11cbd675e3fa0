"""Try a basket with any set of rules: stored ones by id (drafts and stopped ones tried as if active), drafts,
and the active ones, together; each other rule says why it gave nothing."""

from __future__ import annotations

from tests.conftest import Tenant
from tests.rules_api.helpers import create, dairy_basket, dairy_rate, simulate


def test_two_stored_drafts_and_an_editor_draft_are_tried_together_with_the_active_rules(tenant: Tenant) -> None:
    live = create(tenant, dairy_rate(name="Live dairy"))
    first = create(tenant, dairy_rate(name="Draft A", status="draft"))
    second = create(tenant, dairy_rate(name="Draft B", status="stopped"))
    unsaved = dairy_rate(name="In the editor", status=None)
    body = {
        "purchase": dairy_basket("3.50"),
        "rules": [{"id": first["id"]}, {"id": second["id"]}, unsaved],
        "include_active": True,
    }
    answer = simulate(tenant, body)
    assert sorted(award["rule_name"] for award in answer["earned"]) == [
        "Draft A",
        "Draft B",
        "In the editor",
        "Live dairy",
    ]
    assert answer["points_earned"] == "12.00"
    by_name = {award["rule_name"]: award for award in answer["earned"]}
    assert by_name["Draft A"]["rule_id"] == first["id"] and by_name["Draft A"]["revision"] == 1
    assert by_name["Live dairy"]["rule_id"] == live["id"]

    # Without the active rules, and a basket that only some rules take: the others say why.
    body = {"purchase": dairy_basket("0.50"), "rules": [{"id": first["id"]}, {"id": live["id"]}]}
    answer = simulate(tenant, body)
    assert answer["earned"] == []
    assert {rule["name"]: rule["reason"] for rule in answer["skipped"]} == {
        "Draft A": "needs 1.00 on dairy (this sale has 0.50)",
        "Live dairy": "needs 1.00 on dairy (this sale has 0.50)",
    }


def test_a_rule_of_another_business_or_listed_twice_is_refused_by_name(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = create(other_tenant, dairy_rate())
    mine = create(tenant, dairy_rate())
    for rules, field in (
        ([{"id": theirs["id"]}], "rules.0.id"),
        ([{"id": mine["id"]}, {"id": mine["id"]}], "rules.1.id"),
    ):
        answer = tenant.client.post(
            "/v1/rules/simulate", headers=tenant.admin, json={"purchase": dairy_basket(), "rules": rules}
        )
        assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == field
