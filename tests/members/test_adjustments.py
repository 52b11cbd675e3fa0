"""Admin points corrections and the member's points history."""

from __future__ import annotations

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord
from loyalty.wallet import ledger
from tests.conftest import Tenant
from tests.support.people import adjust, register


def test_an_admin_adds_and_takes_away_points_with_a_reason(tenant: Tenant) -> None:
    member = register(tenant)
    added = adjust(tenant, member["id"], "12.50", "goodwill after a late delivery")
    assert added["points"] == "12.50" and added["points_balance"] == "12.50"
    assert added["reason"] == "goodwill after a late delivery" and added["member_id"] == member["id"]
    taken = adjust(tenant, member["id"], "-7", "double booking")
    assert taken["points"] == "-7.00" and taken["points_balance"] == "5.50"
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()
    assert shown["points_balance"] == "5.50"
    assert shown["lifetime_points"] == "0.00"  # corrections are not earnings


def test_a_number_is_accepted_as_well_as_a_string(tenant: Tenant) -> None:
    member = register(tenant)
    answer = tenant.client.post(
        f"/v1/members/{member['id']}/adjustments", json={"points": 3, "reason": "r"}, headers=tenant.admin
    )
    assert answer.status_code == 201 and answer.json()["points_balance"] == "3.00"


def test_taking_more_than_the_balance_is_refused(tenant: Tenant) -> None:
    member = register(tenant)
    adjust(tenant, member["id"], "5")
    answer = tenant.client.post(
        f"/v1/members/{member['id']}/adjustments", json={"points": "-5.01", "reason": "r"}, headers=tenant.admin
    )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "insufficient_points"
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert shown["points_balance"] == "5.00"


def test_a_business_that_allows_negative_balances_may_go_below_zero(tenant: Tenant) -> None:
    tenant.client.patch("/v1/business", json={"allow_negative_balance": True}, headers=tenant.admin)
    member = register(tenant)
    assert adjust(tenant, member["id"], "-3")["points_balance"] == "-3.00"


def test_an_adjustment_needs_a_reason_and_exact_points(tenant: Tenant) -> None:
    member = register(tenant)
    url = f"/v1/members/{member['id']}/adjustments"
    cases = [
        ({"points": "5"}, "reason"),
        ({"points": "5", "reason": "   "}, "reason"),
        ({"points": "1.234", "reason": "r"}, "points"),
        ({"points": "0", "reason": "r"}, "points"),
        ({"points": "lots", "reason": "r"}, "points"),
        ({"points": "NaN", "reason": "r"}, "points"),
        ({"points": "1e999999", "reason": "r"}, "points"),
        ({"points": "-1e-999999", "reason": "r"}, "points"),
        ({"points": "5", "reason": "r", "note": "x"}, "note"),
    ]
    for body, field in cases:
        answer = tenant.client.post(url, json=body, headers=tenant.admin)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["details"]["field"] == field, body


def test_points_finer_than_the_business_decimals_are_refused(tenant: Tenant) -> None:
    tenant.client.patch("/v1/business", json={"points_decimals": 0}, headers=tenant.admin)
    member = register(tenant)
    answer = tenant.client.post(
        f"/v1/members/{member['id']}/adjustments", json={"points": "1.5", "reason": "r"}, headers=tenant.admin
    )
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "points"
    assert adjust(tenant, member["id"], "2")["points_balance"] == "2"


def test_adjustments_are_for_admins_of_the_member_business(tenant: Tenant, other_tenant: Tenant) -> None:
    member = register(tenant)
    url = f"/v1/members/{member['id']}/adjustments"
    body = {"points": "5", "reason": "r"}
    assert tenant.client.post(url, json=body).status_code == 401
    assert tenant.client.post(url, json=body, headers=tenant.pos).status_code == 403
    assert tenant.client.post(url, json=body, headers=other_tenant.admin).status_code == 404


def test_every_adjustment_leaves_one_audit_record_and_balanced_entries(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    done = adjust(tenant, member["id"], "4", "welcome back")
    with db.read() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.object_id == done["id"])).all()
        assert [record.action for record in records] == ["points.adjust"]
        assert records[0].details["reason"] == "welcome back"
        assert ledger.verify(session) == []


def test_the_history_lists_the_member_transactions_newest_first_with_paging(tenant: Tenant) -> None:
    member = register(tenant)
    adjust(tenant, member["id"], "10", "first")
    adjust(tenant, member["id"], "-3", "second")
    adjust(tenant, member["id"], "1.25", "third")
    url = f"/v1/members/{member['id']}/history"
    whole = tenant.client.get(url, headers=tenant.admin).json()
    assert [(item["kind"], item["points"], item["reason"]) for item in whole["items"]] == [
        ("adjust", "1.25", "third"),
        ("adjust", "-3.00", "second"),
        ("adjust", "10.00", "first"),
    ]
    assert whole["next_cursor"] is None
    assert whole["items"][0]["cause"] == {
        "purchase_id": None,
        "payment_id": None,
        "rule_id": None,
        "rule_revision": None,
    }
    first = tenant.client.get(url, params={"limit": 2}, headers=tenant.pos).json()
    rest = tenant.client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.pos).json()
    assert [item["reason"] for item in first["items"] + rest["items"]] == ["third", "second", "first"]
    assert rest["next_cursor"] is None


def test_the_history_of_another_business_member_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = register(other_tenant)
    assert tenant.client.get(f"/v1/members/{theirs['id']}/history", headers=tenant.admin).status_code == 404
