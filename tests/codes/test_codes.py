"""Promo codes: shared and one-time codes, the CSV, and the till's "Use a Code" field."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from loyalty.campaigns import codes
from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, PromoCode
from tests.conftest import Tenant
from tests.support.people import active_rule, benefit, phone, recorded_purchase, register

ZURICH = ZoneInfo("Europe/Zurich")


def make_code(tenant: Tenant, **body: Any) -> dict[str, Any]:
    answer = tenant.client.post("/v1/codes", json=body, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def use(tenant: Tenant, code: str, member_id: str, headers: dict[str, str] | None = None) -> Any:
    return tenant.client.post(
        "/v1/codes/redeem",
        json={"code": code, "member_id": member_id},
        headers=tenant.pos if headers is None else headers,
    )


def test_an_admin_makes_a_shared_code_kept_in_upper_case(tenant: Tenant) -> None:
    coffee = benefit(tenant)
    made = make_code(
        tenant,
        code=" summer10 ",
        benefit_id=coffee["id"],
        max_uses=100,
        max_uses_per_member=1,
        valid_from="2020-06-01T00:00:00+02:00",
        valid_until="2099-09-01T00:00:00+02:00",
    )
    assert made["code"] == "SUMMER10" and made["effect"] == "benefit" and made["benefit_id"] == coffee["id"]
    assert made["max_uses"] == 100 and made["max_uses_per_member"] == 1 and made["uses"] == 0
    assert datetime.fromisoformat(made["valid_from"]) == datetime(2020, 5, 31, 22, tzinfo=UTC)
    assert tenant.client.get(f"/v1/codes/{made['id']}", headers=tenant.admin).json() == made


def test_a_code_that_exists_in_any_case_is_a_conflict(tenant: Tenant) -> None:
    coffee = benefit(tenant)
    make_code(tenant, code="SUMMER10", benefit_id=coffee["id"])
    answer = tenant.client.post(
        "/v1/codes", json={"code": "Summer10", "benefit_id": coffee["id"]}, headers=tenant.admin
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "code_exists"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "code"),
        ({"code": "A B C", "effect": "trigger"}, "code"),
        ({"code": "X", "effect": "trigger"}, "code"),
        ({"code": "SUMMER"}, "benefit_id"),
        ({"code": "SUMMER", "effect": "trigger", "benefit_id": "BENEFIT"}, "benefit_id"),
        ({"code": "SUMMER", "benefit_id": str(uuid.uuid4())}, "benefit_id"),
        ({"code": "SUMMER", "effect": "gift"}, "effect"),
        ({"code": "SUMMER", "effect": "trigger", "max_uses": 0}, "max_uses"),
        ({"code": "SUMMER", "effect": "trigger", "length": 8}, "length"),
        ({"code": "SUMMER", "count": 5, "effect": "trigger"}, "code"),
        ({"count": 0, "effect": "trigger"}, "count"),
        ({"count": 10_001, "effect": "trigger"}, "count"),
        ({"count": 5, "length": 4, "effect": "trigger"}, "length"),
        ({"count": 5, "effect": "trigger", "max_uses": 3}, "max_uses"),
        (
            {
                "code": "SUMMER",
                "effect": "trigger",
                "valid_from": "2030-01-01T00:00:00Z",
                "valid_until": "2029-01-01T00:00:00Z",
            },
            "valid_until",
        ),
        ({"code": "SUMMER", "effect": "trigger", "valid_from": "2030-01-01T00:00:00"}, "valid_from"),
        ({"code": "SUMMER", "effect": "trigger", "colour": "red"}, "colour"),
        ({"code": "SUMMER", "effect": "trigger", "max_uses": 10**12}, "max_uses"),
        ({"code": "SUMMER", "effect": "trigger", "valid_until": "9999-12-31T23:00:00-05:00"}, "valid_until"),
    ],
)
def test_an_invalid_code_request_is_a_422_naming_the_field(tenant: Tenant, body: dict[str, Any], field: str) -> None:
    coffee = benefit(tenant)
    if body.get("benefit_id") == "BENEFIT":
        body = body | {"benefit_id": coffee["id"]}
    answer = tenant.client.post("/v1/codes", json=body, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_codes_are_made_by_admins_with_their_own_benefits(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = benefit(other_tenant)
    answer = tenant.client.post("/v1/codes", json={"code": "X10", "benefit_id": theirs["id"]}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "benefit_id"
    assert (
        tenant.client.post("/v1/codes", json={"code": "X10", "effect": "trigger"}, headers=tenant.pos).status_code
        == 403
    )
    assert tenant.client.post("/v1/codes", json={"code": "X10", "effect": "trigger"}).status_code == 401


def test_a_bulk_of_one_time_codes_uses_a_readable_alphabet_and_exports_as_csv(tenant: Tenant) -> None:
    coffee = benefit(tenant)
    made = make_code(tenant, count=50, length=8, benefit_id=coffee["id"])
    assert made["count"] == 50 and len(made["codes"]) == 50 and len(set(made["codes"])) == 50
    for code in made["codes"]:
        assert len(code) == 8 and not set(code) & set("0O1IL") and code == code.upper()
    exported = tenant.client.get(made["csv"], headers=tenant.admin)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(row["code"] for row in rows) == sorted(made["codes"])
    assert {row["used"] for row in rows} == {"no"}
    listed = tenant.client.get("/v1/codes", params={"batch_id": made["batch_id"], "limit": 200}, headers=tenant.admin)
    assert len(listed.json()["items"]) == 50
    assert all(item["max_uses"] == 1 for item in listed.json()["items"])


def test_a_batch_csv_of_another_business_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    made = make_code(other_tenant, count=3, effect="trigger")
    assert tenant.client.get(made["csv"], headers=tenant.admin).status_code == 404
    assert tenant.client.get(made["csv"], headers=tenant.pos).status_code == 403
    assert tenant.client.get(f"/v1/codes/batches/{uuid.uuid4()}.csv", headers=tenant.admin).status_code == 404


def test_the_code_list_shows_shared_codes_newest_first_with_paging(tenant: Tenant, other_tenant: Tenant) -> None:
    for name in ("FIRST", "SECOND", "THIRD"):
        make_code(tenant, code=name, effect="trigger")
    make_code(tenant, count=5, effect="trigger")
    make_code(other_tenant, code="THEIRS", effect="trigger")
    page = tenant.client.get("/v1/codes", params={"limit": 2}, headers=tenant.admin).json()
    rest = tenant.client.get("/v1/codes", params={"limit": 2, "cursor": page["next_cursor"]}, headers=tenant.admin)
    assert [item["code"] for item in page["items"] + rest.json()["items"]] == ["THIRD", "SECOND", "FIRST"]
    everything = tenant.client.get("/v1/codes", params={"include_batches": True}, headers=tenant.admin).json()
    assert len(everything["items"]) == 8
    assert tenant.client.get("/v1/codes", headers=tenant.pos).status_code == 403


def test_a_cashier_uses_a_benefit_code_whatever_its_case_and_spaces(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, name="Free coffee", kind="free_item", discount=None, items={"codes": ["COFFEE"]})
    made = make_code(tenant, code="SUMMER10", benefit_id=coffee["id"], max_uses=100, max_uses_per_member=1)
    member = register(tenant)
    answer = use(tenant, "  summer10 ", member["id"])
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["code"] == "SUMMER10" and done["effect"] == "benefit"
    assert done["message"] == "Free coffee is now in the member's wallet."
    assert [asset["name"] for asset in done["granted"]] == ["Free coffee"]
    assert done["granted"][0]["source"] == f"code:{made['id']}"
    assert [asset["id"] for asset in done["member"]["benefits"]] == [done["granted"][0]["id"]]
    assert done["member"]["phone"] == "+41 •• ••• •• 67"
    assert tenant.client.get(f"/v1/codes/{made['id']}", headers=tenant.admin).json()["uses"] == 1
    with db.read() as session:
        actions = session.scalars(
            select(AuditRecord.action).where(AuditRecord.business_id == uuid.UUID(tenant.business_id))
        ).all()
    assert actions.count("code.redeem") == 1

    again = use(tenant, "SUMMER10", member["id"])
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "code_already_used_by_member"
    assert again.json()["error"]["details"] == {"field": "code", "reason": "already used by this member"}


def test_a_code_that_cannot_be_used_says_why(tenant: Tenant) -> None:
    coffee = benefit(tenant)
    past = datetime.now(UTC) - timedelta(days=1)
    future = datetime.now(UTC) + timedelta(days=10)
    make_code(tenant, code="OLD", benefit_id=coffee["id"], valid_until=past.isoformat())
    make_code(tenant, code="SOON", benefit_id=coffee["id"], valid_from=future.isoformat())
    make_code(tenant, code="ONCE", benefit_id=coffee["id"], max_uses=1)
    ada, grace = register(tenant), register(tenant, phone(1))
    assert use(tenant, "ONCE", ada["id"]).status_code == 200
    cases = {
        "NOPE": ("code_unknown", "unknown code"),
        "OLD": ("code_expired", f"expired on {past.astimezone(ZURICH).date().isoformat()}"),
        "SOON": ("code_not_yet_valid", f"not valid before {future.astimezone(ZURICH).date().isoformat()}"),
        "ONCE": ("code_used_up", "already used"),
    }
    for text, (code, reason) in cases.items():
        answer = use(tenant, text, grace["id"], headers=tenant.admin)
        assert answer.status_code == 422, text
        assert answer.json()["error"]["code"] == code and answer.json()["error"]["details"]["reason"] == reason
    # A till is not told an unknown code from a used one: the answers would map which codes exist.
    unknown, used = (use(tenant, text, grace["id"]).json()["error"] for text in ("NOPE", "ONCE"))
    assert unknown == used and unknown["code"] == "code_unknown"


def test_using_a_code_needs_a_member_of_this_business(tenant: Tenant, other_tenant: Tenant) -> None:
    coffee = benefit(tenant)
    made = make_code(tenant, code="SUMMER10", benefit_id=coffee["id"])
    theirs = register(other_tenant)
    answer = use(tenant, "SUMMER10", theirs["id"])
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "member_not_found"
    assert tenant.client.get(f"/v1/codes/{made['id']}", headers=tenant.admin).json()["uses"] == 0
    mine = register(tenant)
    assert use(tenant, "SUMMER10", mine["id"], headers={}).status_code == 401
    assert use(tenant, "SUMMER10", mine["id"], headers=tenant.admin).status_code == 200


def test_a_trigger_code_fires_the_code_used_rules_for_the_member(tenant: Tenant, db: Database) -> None:
    active_rule(
        db,
        tenant,
        trigger="code_used",
        conditions={"code": "BONUS"},
        actions=[{"type": "add_points", "mode": "fixed", "points": "25"}],
    )
    made = make_code(tenant, code="bonus", effect="trigger", max_uses_per_member=1)
    member = register(tenant)
    answer = use(tenant, "Bonus", member["id"])
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["effect"] == "trigger" and done["points_earned"] == "25.00"
    assert done["member"]["points_balance"] == "25.00" and done["message"] == "Code used: 25.00 points for the member."
    assert tenant.client.get(f"/v1/codes/{made['id']}", headers=tenant.admin).json()["uses"] == 1


def test_a_trigger_code_without_a_rule_is_spent_and_says_nothing_was_given(tenant: Tenant) -> None:
    make_code(tenant, code="LONELY", effect="trigger")
    member = register(tenant)
    done = use(tenant, "LONELY", member["id"]).json()
    assert done["points_earned"] == "0.00" and "no active rule" in done["message"]


# --- the services the point of sale calls ---------------------------------------------------------


def test_a_cancelled_purchase_releases_its_code_use_once(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    made = make_code(tenant, code="ONCE", benefit_id=coffee["id"], max_uses=1)
    member = register(tenant)
    business_id, member_id = uuid.UUID(tenant.business_id), uuid.UUID(member["id"])
    purchase_id = recorded_purchase(db, tenant)

    def spend(session: Any) -> None:
        at = datetime.now(UTC)
        found = codes.find_usable(session, business_id=business_id, text="once", member_id=member_id, at=at)
        codes.use(session, code=found, member_id=member_id, purchase_id=purchase_id, at=at)

    db.write(spend)
    with pytest.raises(codes.CodeRefused):
        db.write(spend)
    released = db.write(
        lambda session: codes.release(session, business_id=business_id, purchase_id=purchase_id, at=datetime.now(UTC))
    )
    assert len(released) == 1
    again = db.write(
        lambda session: codes.release(session, business_id=business_id, purchase_id=purchase_id, at=datetime.now(UTC))
    )
    assert again == []
    assert tenant.client.get(f"/v1/codes/{made['id']}", headers=tenant.admin).json()["uses"] == 0
    db.write(spend)  # usable again


def test_a_refused_use_changes_nothing_so_the_sale_can_go_on_without_it(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    make_code(tenant, code="MINE", benefit_id=coffee["id"], max_uses_per_member=1)
    member = register(tenant)
    business_id, member_id = uuid.UUID(tenant.business_id), uuid.UUID(member["id"])
    assert use(tenant, "MINE", member["id"]).status_code == 200

    def try_again(session: Any) -> int:
        promo = session.scalar(select(PromoCode).where(PromoCode.business_id == business_id))
        with pytest.raises(codes.CodeRefused) as refused:
            codes.use(session, code=promo, member_id=member_id, purchase_id=None, at=datetime.now(UTC))
        assert refused.value.reason == "already used by this member"
        session.refresh(promo)
        return int(promo.uses)

    assert db.write(try_again) == 1
