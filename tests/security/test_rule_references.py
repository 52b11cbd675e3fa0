"""Every id a rule names is checked when it is saved: a grant of another business's benefit, or of "not-a-uuid",
is a 422 naming the field, and the business's registrations go on working."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from loyalty.campaigns import references
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import access
from tests.conftest import Tenant
from tests.support.people import benefit, register


def grant(benefit_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Welcome gift",
        "trigger": "joined",
        "status": "active",
        "actions": [
            {"type": "add_points", "mode": "fixed", "points": "5"},
            {"type": "grant_benefit", "benefit_id": benefit_id},
        ],
        **extra,
    }


def bad_ids(other_tenant: Tenant) -> list[str]:
    return [benefit(other_tenant)["id"], "not-a-uuid", str(uuid.uuid4()), ""]


def test_a_rule_granting_a_benefit_that_is_not_the_businesss_is_refused_when_saved(
    tenant: Tenant, other_tenant: Tenant, db: Database
) -> None:
    for wrong in bad_ids(other_tenant):
        answer = tenant.client.post("/v1/rules", json=grant(wrong), headers=tenant.admin)
        assert answer.status_code == 422, (wrong, answer.text)
        assert answer.json()["error"]["details"]["field"] == "actions.1.benefit_id"
    assert tenant.client.get("/v1/rules", headers=tenant.admin).json() in ([], {"items": []})
    member = register(tenant)
    assert member["status"] == "active"


def test_a_revision_naming_a_foreign_benefit_or_branch_is_refused(tenant: Tenant, other_tenant: Tenant) -> None:
    own = benefit(tenant)
    made = tenant.client.post("/v1/rules", json=grant(own["id"]), headers=tenant.admin)
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    foreign = benefit(other_tenant)["id"]
    revised = tenant.client.put(f"/v1/rules/{rule_id}", json=grant(foreign), headers=tenant.admin)
    assert revised.status_code == 422 and revised.json()["error"]["details"]["field"] == "actions.1.benefit_id"
    for branch in (other_tenant.branch_id, "branch-1"):
        answer = tenant.client.put(
            f"/v1/rules/{rule_id}", json=grant(own["id"], conditions={"branches": [branch]}), headers=tenant.admin
        )
        assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "conditions.branches"
    ok = tenant.client.put(
        f"/v1/rules/{rule_id}", json=grant(own["id"], conditions={"branches": [tenant.branch_id]}), headers=tenant.admin
    )
    assert ok.status_code == 200, ok.text
    back = tenant.client.put(f"/v1/rules/{rule_id}", json=grant(own["id"]), headers=tenant.admin)
    assert back.status_code == 200, back.text
    member = register(tenant)
    assert [entry["benefit_id"] for entry in member["benefits"]] == [own["id"]] and member["points_balance"] == "5.00"


def test_a_rules_file_naming_a_foreign_benefit_loads_nothing(
    tenant: Tenant, other_tenant: Tenant, db: Database
) -> None:
    foreign = benefit(other_tenant)["id"]

    def load(session: Any) -> None:
        business = access.business(session, uuid.UUID(tenant.business_id))
        campaigns.load(session, business=business, bodies=[grant(foreign)], actor="cli")

    with pytest.raises(InvalidInput) as refused:
        db.write(load)
    assert refused.value.field == "rules.0.actions.1.benefit_id"


def test_a_rule_saved_before_ids_were_checked_does_not_stop_registrations(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(references, "check_rule", lambda *args, **kwargs: None)  # as rules were saved before
    for wrong in ("not-a-uuid", str(uuid.uuid4())):
        made = tenant.client.post("/v1/rules", json=grant(wrong), headers=tenant.admin)
        assert made.status_code == 201, made.text
    monkeypatch.undo()
    answer = tenant.client.post("/v1/members", json={"phone": "078 555 88 01"}, headers=tenant.pos)
    assert answer.status_code == 201, answer.text
    assert answer.json()["points_balance"] == "10.00" and answer.json()["benefits"] == []
