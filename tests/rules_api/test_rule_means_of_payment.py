"""A rule's `exclude_mops` names the business's means of payment (or points, or credit): a misspelt one ("pionts")
would exclude nothing and the rule would earn on what it meant to leave out, so it is refused, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Tenant


def rule(exclude: Any) -> dict[str, Any]:
    return {
        "name": "1 point per 1.00, not on points",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "exclude_mops": exclude}],
    }


@pytest.mark.parametrize("misspelt", [["pionts"], "points, vuocher", ["cash", "gift card"]])
def test_a_means_of_payment_the_business_does_not_take_is_refused_naming_the_field(
    tenant: Tenant, misspelt: Any
) -> None:
    answer = tenant.client.post("/v1/rules", json=rule(misspelt), headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["details"]["field"] == "actions.0.exclude_mops", error
    assert "is not a means of payment of this business" in error["message"]
    assert tenant.client.get("/v1/rules", headers=tenant.admin).json() == []


def test_the_businesss_means_of_payment_points_and_credit_are_accepted_whatever_their_case(tenant: Tenant) -> None:
    mops = {"means_of_payment": ["cash", "Gift card"]}
    patched = tenant.client.patch("/v1/business", json=mops, headers=tenant.admin)
    assert patched.status_code == 200, patched.text
    made = tenant.client.post("/v1/rules", json=rule(["Points", "credit", "gift card", " CASH "]), headers=tenant.admin)
    assert made.status_code == 201, made.text
    assert made.json()["actions"][0]["exclude_mops"] == ["CASH", "Points", "credit", "gift card"]


def test_a_revision_is_checked_as_a_new_rule_is(tenant: Tenant) -> None:
    made = tenant.client.post("/v1/rules", json=rule(["points"]), headers=tenant.admin).json()
    revised = tenant.client.put(f"/v1/rules/{made['id']}", json=rule(["pionts"]), headers=tenant.admin)
    assert revised.status_code == 422 and revised.json()["error"]["details"]["field"] == "actions.0.exclude_mops"
