"""Registering members, the Member object, search, changes: through the HTTP API."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord
from loyalty.members.accounts import mask_phone
from tests.conftest import Tenant
from tests.support.people import ADA_E164, ADA_PHONE, active_rule, benefit, phone, register


def test_a_cashier_registers_a_member_and_sees_the_phone_masked(tenant: Tenant) -> None:
    answer = tenant.client.post(
        "/v1/members",
        json={"phone": "079 123 45 67", "first_name": "Ada", "last_name": "L"},
        headers=tenant.pos,
    )
    assert answer.status_code == 201, answer.text
    member = answer.json()
    assert member["phone"] == "+41 •• ••• •• 67"
    assert member["first_name"] == "Ada" and member["status"] == "active" and member["tags"] == []
    assert member["points_balance"] == "0.00" and member["lifetime_points"] == "0.00"
    assert member["benefits"] == []


def test_an_admin_sees_the_phone_in_e164_whatever_spelling_was_typed(tenant: Tenant) -> None:
    member = register(tenant, "079 123 45 67")
    assert member["phone"] == ADA_E164
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert shown["phone"] == ADA_E164


def test_a_foreign_number_keeps_its_own_country_code(tenant: Tenant) -> None:
    member = register(tenant, "+44 7911 123456")
    assert member["phone"] == "+447911123456"


def test_an_invalid_phone_is_a_422_naming_phone(tenant: Tenant) -> None:
    for bad in ("12", "not a phone", "+41 00 000 00 00"):
        answer = tenant.client.post("/v1/members", json={"phone": bad}, headers=tenant.admin)
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["details"]["field"] == "phone"


def test_neither_phone_nor_email_is_a_422_naming_phone(tenant: Tenant) -> None:
    for door in (tenant.admin, tenant.pos):
        answer = tenant.client.post("/v1/members", json={"first_name": "Ada"}, headers=door)
        assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "phone"


def test_a_member_may_join_by_email_alone_and_is_found_by_it(tenant: Tenant) -> None:
    answer = tenant.client.post(
        "/v1/members", json={"email": "Ada@Example.com", "first_name": "Ada"}, headers=tenant.pos
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["phone"] is None
    found = tenant.client.post("/v1/identify", json={"email": "ada@example.com"}, headers=tenant.pos)
    assert found.status_code == 200 and found.json()["id"] == answer.json()["id"], found.text
    shown = tenant.client.get(f"/v1/members/{answer.json()['id']}", headers=tenant.admin).json()
    assert shown["phone"] is None and shown["email"] == "ada@example.com"


def test_the_last_contact_of_a_member_cannot_be_removed(tenant: Tenant) -> None:
    ada = tenant.client.post("/v1/members", json={"email": "ada@example.com"}, headers=tenant.admin).json()
    cleared = tenant.client.patch(f"/v1/members/{ada['id']}", json={"email": None}, headers=tenant.admin)
    assert cleared.status_code == 422 and cleared.json()["error"]["details"]["field"] == "email"
    assert tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.admin).json()["email"] == "ada@example.com"


def test_an_unknown_field_is_refused_by_name(tenant: Tenant) -> None:
    answer = tenant.client.post("/v1/members", json={"phone": ADA_PHONE, "shoe_size": 42}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "shoe_size"


def test_email_is_kept_in_lower_case_and_a_duplicate_in_any_case_is_a_conflict(tenant: Tenant) -> None:
    member = register(tenant, email="  Ada@Example.COM ")
    assert member["email"] == "ada@example.com"
    answer = tenant.client.post(
        "/v1/members", json={"phone": phone(1), "email": "ADA@example.com"}, headers=tenant.admin
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "member_exists"
    assert answer.json()["error"]["details"]["field"] == "email"


def test_a_phone_already_used_in_any_spelling_is_a_conflict(tenant: Tenant) -> None:
    register(tenant, "+41791234567")
    answer = tenant.client.post("/v1/members", json={"phone": "079 123 45 67"}, headers=tenant.pos)
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "member_exists",
        "message": "A member with this phone already exists.",
        "details": {"field": "phone"},
    }


def test_a_member_number_already_used_is_a_conflict(tenant: Tenant) -> None:
    register(tenant, member_number="M-1")
    answer = tenant.client.post("/v1/members", json={"phone": phone(2), "member_number": "M-1"}, headers=tenant.admin)
    assert answer.status_code == 409 and answer.json()["error"]["details"]["field"] == "member_number"


def test_the_same_phone_may_join_two_businesses(tenant: Tenant, other_tenant: Tenant) -> None:
    register(tenant)
    register(other_tenant)


def test_an_invalid_email_is_a_422_naming_email(tenant: Tenant) -> None:
    answer = tenant.client.post("/v1/members", json={"phone": ADA_PHONE, "email": "ada at home"}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "email"


def test_consent_and_birthday_are_recorded(tenant: Tenant) -> None:
    member = register(tenant, birthday="1990-12-10", consent={"terms": True, "sms": True})
    assert member["consent"] == {"terms": True, "sms": True, "email": False}
    assert member["birthday"] == "1990-12-10"


def test_registration_leaves_one_audit_record_without_contact_details(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    with db.read() as session:
        records = session.scalars(select(AuditRecord).where(AuditRecord.object_id == member["id"])).all()
    assert [record.action for record in records] == ["member.register"]
    assert "791234567" not in str(records[0].details)


def test_registration_needs_a_valid_key(tenant: Tenant) -> None:
    assert tenant.client.post("/v1/members", json={"phone": ADA_PHONE}).status_code == 401
    wrong = {"Authorization": "Bearer lk_admin_nothing"}
    assert tenant.client.post("/v1/members", json={"phone": ADA_PHONE}, headers=wrong).status_code == 401


def test_a_member_app_key_cannot_register_or_read_members(tenant: Tenant, db: Database) -> None:
    from tests.support.people import member_key

    member = register(tenant)
    headers = member_key(db, tenant, member["id"])
    assert tenant.client.post("/v1/members", json={"phone": phone(3)}, headers=headers).status_code == 403
    assert tenant.client.get(f"/v1/members/{member['id']}", headers=headers).status_code == 403


def test_a_member_of_another_business_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = register(other_tenant)
    for headers in (tenant.admin, tenant.pos):
        answer = tenant.client.get(f"/v1/members/{theirs['id']}", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "member_not_found"
    assert (
        tenant.client.patch(f"/v1/members/{theirs['id']}", json={"first_name": "X"}, headers=tenant.admin).status_code
        == 404
    )
    assert tenant.client.get(f"/v1/members/{uuid.uuid4()}", headers=tenant.admin).status_code == 404


def test_a_malformed_member_id_is_a_422_not_a_500(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/members/not-an-id", headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "member_id"


def test_points_are_shown_at_the_business_points_decimals(tenant: Tenant) -> None:
    tenant.client.patch("/v1/business", json={"points_decimals": 0}, headers=tenant.admin)
    member = register(tenant)
    assert member["points_balance"] == "0"
    tenant.client.post(
        f"/v1/members/{member['id']}/adjustments", json={"points": "12", "reason": "welcome"}, headers=tenant.admin
    )
    assert tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()["points_balance"] == "12"


def test_registration_fires_the_joined_rules_in_the_same_transaction(tenant: Tenant, db: Database) -> None:
    gift = benefit(tenant, name="Welcome coffee", kind="free_item", discount=None, items={"codes": ["COFFEE"]})
    active_rule(
        db,
        tenant,
        trigger="joined",
        actions=[
            {"type": "add_points", "mode": "fixed", "points": "50"},
            {"type": "grant_benefit", "benefit_id": gift["id"]},
        ],
    )
    member = register(tenant)
    assert member["points_balance"] == "50.00" and member["lifetime_points"] == "50.00"
    assert [entry["name"] for entry in member["benefits"]] == ["Welcome coffee"]
    history = tenant.client.get(f"/v1/members/{member['id']}/history", headers=tenant.admin).json()["items"]
    assert [(item["kind"], item["points"]) for item in history] == [("earn", "50.00")]


def test_a_refused_registration_gives_no_joined_points(tenant: Tenant, db: Database) -> None:
    active_rule(db, tenant, trigger="joined", actions=[{"type": "add_points", "mode": "fixed", "points": "50"}])
    register(tenant)
    tenant.client.post("/v1/members", json={"phone": ADA_PHONE}, headers=tenant.admin)
    listed = tenant.client.get("/v1/members", headers=tenant.admin).json()["items"]
    assert len(listed) == 1 and listed[0]["points_balance"] == "50.00"


def test_search_finds_members_by_phone_name_email_and_number(tenant: Tenant) -> None:
    ada = register(tenant, first_name="Ada", last_name="Lovelace", email="ada@example.com", member_number="M-100")
    grace = register(tenant, phone(7), first_name="Grace", last_name="Hopper", email="grace@navy.mil")

    def found(q: str) -> list[str]:
        answer = tenant.client.get("/v1/members", params={"q": q}, headers=tenant.admin)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert found("079 123 45 67") == [ada["id"]]
    assert found("+41791234567") == [ada["id"]]
    assert found("45 67") == [ada["id"]]
    assert found("lovelace") == [ada["id"]]
    assert found("Grace Hopper") == [grace["id"]]
    assert found("NAVY.MIL") == [grace["id"]]
    assert found("m-100") == [ada["id"]]
    assert found("nobody") == []
    assert found("100%") == []
    assert sorted(found("")) == sorted([ada["id"], grace["id"]])


def test_the_member_list_pages_newest_first_with_a_cursor(tenant: Tenant) -> None:
    made = [register(tenant, phone(index))["id"] for index in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tenant.client.get("/v1/members", params=params, headers=tenant.admin).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))


def test_a_broken_cursor_is_a_422_naming_cursor(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/members", params={"cursor": "garbage"}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "cursor"


def test_the_member_list_is_for_admins_only(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/members", headers=tenant.pos)
    assert answer.status_code == 403
    assert tenant.client.get("/v1/members").status_code == 401


def test_an_admin_changes_names_tags_status_and_consent(tenant: Tenant, db: Database) -> None:
    member = register(tenant, first_name="Ada", consent={"terms": True})
    answer = tenant.client.patch(
        f"/v1/members/{member['id']}",
        json={"last_name": "Byron", "tags": ["VIP", " gold ", "VIP"], "status": "blocked", "consent": {"sms": True}},
        headers=tenant.admin,
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert changed["first_name"] == "Ada" and changed["last_name"] == "Byron"
    assert changed["tags"] == ["VIP", "gold"] and changed["status"] == "blocked"
    assert changed["consent"] == {"terms": True, "sms": True, "email": False}
    with db.read() as session:
        actions = session.scalars(
            select(AuditRecord.action).where(AuditRecord.object_id == member["id"]).order_by(AuditRecord.at)
        ).all()
    assert actions == ["member.register", "member.update"]


def test_an_admin_may_remove_an_email_but_not_take_another_members(tenant: Tenant) -> None:
    ada = register(tenant, email="ada@example.com")
    grace = register(tenant, phone(9), email="grace@example.com")
    clash = tenant.client.patch(f"/v1/members/{grace['id']}", json={"email": "ADA@example.com"}, headers=tenant.admin)
    assert clash.status_code == 409 and clash.json()["error"]["details"]["field"] == "email"
    cleared = tenant.client.patch(f"/v1/members/{ada['id']}", json={"email": None}, headers=tenant.admin)
    assert cleared.status_code == 200 and cleared.json()["email"] is None


def test_a_status_that_does_not_exist_is_a_422_naming_status(tenant: Tenant) -> None:
    member = register(tenant)
    answer = tenant.client.patch(f"/v1/members/{member['id']}", json={"status": "gone"}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "status"


def test_a_cashier_corrects_a_name_but_cannot_change_contacts_tags_status_or_number(tenant: Tenant) -> None:
    member = register(tenant)
    named = tenant.client.patch(f"/v1/members/{member['id']}", json={"first_name": "X"}, headers=tenant.pos)
    assert named.status_code == 200 and named.json()["first_name"] == "X"
    for change in ({"phone": "078 555 12 12"}, {"tags": ["VIP"]}, {"status": "blocked"}, {"member_number": "7"}):
        answer = tenant.client.patch(f"/v1/members/{member['id']}", json=change, headers=tenant.pos)
        refused = "contact_change_refused" if "phone" in change else "change_refused"
        assert answer.status_code == 403 and answer.json()["error"]["code"] == refused, change


def test_the_masked_phone_keeps_the_country_code_and_last_two_digits() -> None:
    assert mask_phone("+41791234567") == "+41 •• ••• •• 67"
    assert mask_phone("+447911123456") == "+44 •••• ••••56"
    assert mask_phone("garbage-12") == "•••12"


def test_ten_concurrent_registrations_of_one_phone_make_one_member(tenant: Tenant, db: Database) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from loyalty.db.models import now
    from loyalty.members import access
    from loyalty.members import accounts as members

    start = threading.Barrier(10)

    def attempt(index: int) -> str:
        def work(session: Session) -> str:
            business = access.business(session, uuid.UUID(tenant.business_id))
            members.register(session, business=business, phone=ADA_PHONE, actor="test", at=now())
            return "created"

        start.wait()
        try:
            return db.write(work)
        except members.MemberExists as refused:
            return refused.code

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(attempt, range(10)))
    assert sorted(results) == ["created"] + ["member_exists"] * 9
    listed = tenant.client.get("/v1/members", headers=tenant.admin).json()["items"]
    assert [item["phone"] for item in listed] == [ADA_E164]
