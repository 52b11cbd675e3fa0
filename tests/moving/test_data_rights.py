"""Members' data rights: the data report (JSON and zip), the consent log with its sources, and erasure by an
admin and by the member: nobody finds them again, points are forfeited in the ledger, credit must be settled
first, purchases still add up, `loyalty verify` stays clean, the audit trail says who erased."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, LedgerTransaction, LoginCode, Member, Purchase, WebhookEvent
from tests.como.helpers import ComoTill
from tests.conftest import Tenant
from tests.support.moving import ndjson, post_import, problems
from tests.support.people import benefit, member_key, register

PHONE = "079 777 10 10"
GETMEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def busy_member(tenant: Tenant, *, credit: bool = False) -> dict[str, Any]:
    rule = {
        "name": "1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=rule), 201)
    ada = register(
        tenant,
        PHONE,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        member_number="M-77",
        consent={"terms": True, "sms": True},
    )
    for index in range(2):
        sale = {
            "transaction_id": f"T-{index}",
            "member_id": ada["id"],
            "items": [{"line_id": "1", "code": "TICKET", "amount": "20.00"}],
        }
        ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale), 201)
    coffee = benefit(tenant, name="Free coffee")
    ok(
        tenant.client.post(
            f"/v1/members/{ada['id']}/benefits", json={"benefit_id": coffee["id"]}, headers=tenant.admin
        ),
        201,
    )
    if credit:
        headers = tenant.pos | {"Idempotency-Key": uuid.uuid4().hex}
        ok(tenant.client.post(f"/v1/members/{ada['id']}/credit", headers=headers, json={"amount": "15.00"}), 201)
    return ada


def test_the_data_report_holds_everything_about_the_member(tenant: Tenant, other_tenant: Tenant, db: Database) -> None:
    ada = busy_member(tenant, credit=True)
    ok(tenant.client.patch(f"/v1/members/{ada['id']}", json={"consent": {"sms": False}}, headers=tenant.admin))
    mine = member_key(db, tenant, ada["id"])
    data = ok(tenant.client.get(f"/v1/members/{ada['id']}/data", headers=tenant.admin))
    assert list(data) == ["member", "consents", "ledger", "purchases", "wallet", "credit", "punch_cards", "sessions"]
    assert data["member"]["phone"] == "+41797771010" and data["member"]["member_number"] == "M-77"
    assert data["member"]["points_balance"] == "40.00" and data["member"]["credit_balance"] == "15.00"
    assert [(row["purpose"], row["given"], row["source"]) for row in data["consents"]] == [
        ("terms", True, "staff"),
        ("sms", True, "staff"),
        ("sms", False, "staff"),
    ]
    assert [row["kind"] for row in data["ledger"]] == ["earn", "earn"]
    assert [row["total"] for row in data["purchases"]] == ["20.00", "20.00"]
    assert [row["benefit"] for row in data["wallet"]] == ["Free coffee"]
    assert [row["amount"] for row in data["credit"]] == ["15.00"]
    assert len(data["sessions"]) == 1
    assert ok(tenant.client.get("/v1/me/data", headers=mine)) == data
    archive = tenant.client.get("/v1/me/data", params={"format": "zip"}, headers=mine)
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        assert sorted(files.namelist()) == sorted(f"{section}.csv" for section in data)
        assert "+41797771010" in files.read("member.csv").decode()
        assert files.read("purchases.csv").decode().count("\n") == 3  # a header and two purchases
    # Another business's admin, a till, another member: not theirs to read.
    assert tenant.client.get(f"/v1/members/{ada['id']}/data", headers=other_tenant.admin).status_code == 404
    assert tenant.client.get(f"/v1/members/{ada['id']}/data", headers=tenant.pos).status_code == 403
    assert tenant.client.get("/v1/me/data", headers=tenant.admin).status_code == 403


def test_the_consent_log_says_where_each_consent_came_from(tenant: Tenant) -> None:
    post_import(tenant, ndjson({"external_id": "K-1", "phone": "079 777 20 20", "consent_email": True}))
    found = ok(tenant.client.post("/v1/identify", json={"phone": "079 777 20 20"}, headers=tenant.pos))
    till = ComoTill(tenant.client, tenant.pos_key)
    till.post(
        "advanced/updateMember", {"customer": {"phoneNumber": "079 777 20 20"}, "registrationData": {"allowSMS": True}}
    )
    ok(tenant.client.patch(f"/v1/members/{found['id']}", json={"consent": {"email": False}}, headers=tenant.admin))
    log = ok(tenant.client.get(f"/v1/members/{found['id']}/consents", headers=tenant.admin))["items"]
    assert [(row["purpose"], row["given"], row["source"]) for row in log] == [
        ("email", True, "import"),
        ("sms", True, "como"),
        ("email", False, "staff"),
    ]
    assert all(row["at"] for row in log)


def _report_totals(tenant: Tenant) -> Any:
    return ok(tenant.client.get("/v1/reports/points", headers=tenant.admin))


def test_an_admin_erases_a_member_and_nothing_finds_them_again(tenant: Tenant, db: Database) -> None:
    ada = busy_member(tenant, credit=True)
    member_id = ada["id"]
    refused = tenant.client.post(f"/v1/members/{member_id}/erase", headers=tenant.admin | {"Idempotency-Key": "e-1"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "credit_outstanding"
    pay = {"member_id": member_id, "transaction_id": "T-credit", "amount": "15.00", "wallet": "credit"}
    ok(tenant.client.post("/v1/payments", headers=tenant.pos | {"Idempotency-Key": uuid.uuid4().hex}, json=pay), 201)
    sale = {
        "transaction_id": "T-credit",
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "X", "amount": "15.00"}],
    }
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale), 201)
    code = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)["code"]
    hook = {"url": "https://hooks.example.com/loyalty", "events": ["member.erased"]}
    endpoint = ok(tenant.client.post("/v1/webhooks", headers=tenant.admin, json=hook), 201)
    unkeyed = tenant.client.post(f"/v1/members/{member_id}/erase", headers=tenant.admin)
    assert unkeyed.status_code == 422 and unkeyed.json()["error"]["details"]["field"] == "Idempotency-Key"
    before = _report_totals(tenant)
    purchases_before = ok(tenant.client.get(f"/v1/members/{member_id}/data", headers=tenant.admin))["purchases"]
    erased = tenant.client.post(f"/v1/members/{member_id}/erase", headers=tenant.admin | {"Idempotency-Key": "e-2"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["status"] == "erased" and erased.json()["points_forfeited"] == "55.00"
    again = tenant.client.post(f"/v1/members/{member_id}/erase", headers=tenant.admin | {"Idempotency-Key": "e-2"})
    assert again.text == erased.text  # a retry answers the same and erases once
    ok(tenant.client.patch(f"/v1/webhooks/{endpoint['id']}", headers=tenant.admin, json={"enabled": False}))
    with db.read() as session:
        sent = list(
            session.scalars(
                select(WebhookEvent.body).where(
                    WebhookEvent.business_id == uuid.UUID(tenant.business_id), WebhookEvent.type == "member.erased"
                )
            )
        )
    assert [json.loads(body)["data"]["member_id"] for body in sent] == [member_id]
    # Nothing is left that says who they were.
    shown = ok(tenant.client.get(f"/v1/members/{member_id}/data", headers=tenant.admin))
    person = shown["member"]
    assert (person["phone"], person["email"], person["first_name"], person["last_name"]) == (None, None, "", "")
    assert (person["member_number"], person["birthday"], person["tags"], person["status"]) == (None, None, [], "erased")
    assert person["points_balance"] == "0.00"
    assert "Ada" not in json.dumps(shown) and "7771010" not in json.dumps(shown)
    card = ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))
    assert (card["status"], card["phone"], card["email"]) == ("erased", None, None)
    listed = ok(tenant.client.get("/v1/members", params={"q": "Ada"}, headers=tenant.admin))
    assert listed["items"] == []
    # No identifier finds them: /v1, Como, the app's login.
    for body in ({"phone": PHONE}, {"email": "ada@example.com"}, {"member_number": "M-77"}, {"code": code}):
        assert tenant.client.post("/v1/identify", json=body, headers=tenant.pos).status_code == 404, body
    till = ComoTill(tenant.client, tenant.pos_key)
    for customer in (
        {"phoneNumber": PHONE},
        {"email": "ada@example.com"},
        {"customIdentifier": "M-77"},
        {"commonExtId": member_id},
    ):
        assert till.refused(GETMEMBER, {"customer": customer})["code"] == "4001012", customer
    ok(tenant.client.post(f"/v1/app/{tenant.business_id}/login", json={"phone": PHONE}), 202)
    with db.read() as session:
        codes = session.scalar(
            select(func.count()).select_from(LoginCode).where(LoginCode.member_id == uuid.UUID(member_id))
        )
        kinds = list(
            session.scalars(
                select(LedgerTransaction.kind)
                .where(LedgerTransaction.member_id == uuid.UUID(member_id))
                .order_by(LedgerTransaction.created_at)
            )
        )
        audit = session.execute(
            select(AuditRecord.actor, AuditRecord.details).where(
                AuditRecord.object_id == member_id, AuditRecord.action == "member.erase"
            )
        ).all()
        row = session.get(Member, uuid.UUID(member_id))
        stored = json.dumps(list(session.scalars(select(Purchase.response).where(Purchase.member_id == row.id))))
    assert "Ada" not in stored and "7771010" not in stored  # the purchases kept say nothing of who bought
    assert codes == 0
    assert kinds[-1] == "erasure" and kinds.count("erasure") == 1
    assert [(actor.startswith("key:"), details) for actor, details in audit] == [(True, {"by": "admin"})]
    assert row is not None and row.erased_at is not None
    # Purchases and the ledger stay: the business's figures are what they were.
    assert shown["purchases"] == purchases_before
    after = _report_totals(tenant)
    # Earned and spent stay as they were; only what members still hold fell by the forfeited points.
    assert (after["members"], after["totals"], after["days"]) == (before["members"], before["totals"], before["days"])
    assert (before["outstanding"], after["outstanding"]) == ("55.00", "0.00")
    assert problems(db, tenant) == []
    changed = tenant.client.patch(f"/v1/members/{member_id}", json={"first_name": "Back"}, headers=tenant.admin)
    assert changed.status_code in (409, 422)


def test_a_member_erases_their_own_data_after_confirming(tenant: Tenant, db: Database) -> None:
    ada = busy_member(tenant)
    mine = member_key(db, tenant, ada["id"])
    unconfirmed = tenant.client.post("/v1/me/erase", json={"confirm": False}, headers=mine)
    assert unconfirmed.status_code == 422 and unconfirmed.json()["error"]["details"]["field"] == "confirm"
    assert tenant.client.post("/v1/me/erase", json={}, headers=mine).status_code == 422
    done = ok(tenant.client.post("/v1/me/erase", json={"confirm": True}, headers=mine))
    assert done["status"] == "erased" and done["points_forfeited"] == "40.00"
    assert tenant.client.get("/v1/me", headers=mine).status_code == 401  # the session ended with the data
    assert tenant.client.post("/v1/identify", json={"phone": PHONE}, headers=tenant.pos).status_code == 404
    with db.read() as session:
        actors = list(
            session.scalars(
                select(AuditRecord.details).where(
                    AuditRecord.object_id == ada["id"], AuditRecord.action == "member.erase"
                )
            )
        )
    assert actors == [{"by": "member"}]
    assert problems(db, tenant) == []
    # The phone is free again: someone registering it later is a new member with nothing of the old one.
    fresh = register(tenant, PHONE)
    assert fresh["id"] != ada["id"] and fresh["points_balance"] == "0.00"
