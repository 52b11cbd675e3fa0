"""Registration and every way a Como till names a member, with the bodies the public clients send."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Branch, Event, Purchase, Terminal
from tests.como.helpers import PHONE, ComoTill, ok, printed_code, purchase, shop
from tests.conftest import Tenant

GETMEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"


def member_of(till: ComoTill, customer: dict[str, str]) -> str:
    return str(till.post(GETMEMBER, {"customer": customer})["membership"]["commonExtId"])


def test_quick_registration_with_a_phone_only_and_with_full_info(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    # The PHP client's quickRegister(): customer with a phone, and a null quickRegistrationCode.
    first = till.post(
        "advanced/registration/quick", {"customer": {"phoneNumber": "079 111 22 33"}, "quickRegistrationCode": None}
    )
    assert first["membership"]["status"] == "Active" and first["membership"]["phoneNumber"] == "+41 •• ••• •• 33"
    full = till.post(
        "registration/quick",
        {"customer": {"phoneNumber": "0791112244", "email": "test@revo.works", "firstName": "Test"}},
    )
    assert full["membership"]["firstName"] == "Test" and full["membership"]["email"] == "t•••@revo.works"
    again = till.refused("advanced/registration/quick", {"customer": {"phoneNumber": "+41 79 111 22 33"}})
    assert again["code"] == "4000000"
    assert till.refused("advanced/registration/quick", {"customer": {}})["code"] == "4000001"
    bad = till.refused("advanced/registration/quick", {"customer": {"phoneNumber": "12"}})
    assert bad["code"] == "4000001" and "phone" in bad["message"]


def test_full_registration_reads_pascal_case_and_como_dates(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    till.post(
        "advanced/registerMember",
        {
            "registrationData": {
                "PhoneNumber": "079 222 33 44",
                "FirstName": "Grace",
                "LastName": "Hopper",
                "Email": "Grace@Example.org",
                "Birthday": "09.12.1906",
                "AllowSMS": True,
                "AllowEmail": False,
                "TermsOfUse": True,
            }
        },
    )
    found = till.post(GETMEMBER, {"customer": {"email": "grace@example.org"}})["membership"]
    assert (found["firstName"], found["lastName"], found["birthday"]) == ("Grace", "Hopper", "1906-12-09")
    assert (found["allowSMS"], found["allowEmail"], found["termsOfUse"]) == (True, False, True)
    wrong_date = till.refused(
        "advanced/registerMember", {"registrationData": {"PhoneNumber": "079 222 33 55", "Birthday": "1906-12-09"}}
    )
    assert wrong_date["code"] == "4000001" and "registrationData.Birthday" in wrong_date["message"]
    wrong_type = till.refused(
        "advanced/registerMember", {"registrationData": {"PhoneNumber": "079 222 33 55", "AllowSMS": "yes"}}
    )
    assert wrong_type["code"] == "4000001" and "AllowSMS" in wrong_type["message"]
    assert till.refused("advanced/registerMember", {"registrationData": {"FirstName": "No phone"}})["code"] == "4000001"
    assert (
        till.refused("advanced/registerMember", {"registrationData": {"PhoneNumber": "0792223344"}})["code"]
        == "4000000"
    )


def test_update_member_changes_only_the_fields_sent(tenant: Tenant) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    till.post(
        "advanced/updateMember",
        {
            "customer": {"phoneNumber": PHONE},
            "registrationData": {"lastName": "Lovelace", "birthday": "10.12.1815", "allowSMS": True},
        },
    )
    after = ok(tenant.client.get(f"/v1/members/{made['member']['id']}", headers=tenant.admin))
    assert (after["first_name"], after["last_name"], after["birthday"]) == ("Ada", "Lovelace", "1815-12-10")
    assert after["consent"]["sms"] is True and after["email"] == "ada@example.org"
    missing = till.refused(
        "advanced/updateMember", {"customer": {"phoneNumber": "079 999 99 99"}, "registrationData": {}}
    )
    assert missing["code"] == "4001012"


def test_every_identifier_names_the_same_member(tenant: Tenant, other_tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    assert member_of(till, {"phoneNumber": "+41 79 555 03 03"}) == member_id
    assert member_of(till, {"email": "ADA@example.org"}) == member_id
    assert member_of(till, {"customIdentifier": "M-7"}) == member_id
    assert member_of(till, {"commonExtId": member_id}) == member_id
    for wrong in (
        {"phoneNumber": "079 555 09 09"},
        {"email": "nobody@example.org"},
        {"customIdentifier": "M-8"},
        {"commonExtId": str(uuid.uuid4())},
        {"commonExtId": "nope"},
        {"appClientId": "0000"},
        {"temporaryToken": "not-a-token"},
    ):
        error = till.refused(GETMEMBER, {"customer": wrong})
        assert error == {"code": "4001012", "message": "Member not found."}
    # Another business's member is not found, whatever names it.
    elsewhere = ComoTill(other_tenant.client, other_tenant.pos_key)
    assert elsewhere.refused(GETMEMBER, {"customer": {"commonExtId": member_id}})["code"] == "4001012"
    assert elsewhere.refused(GETMEMBER, {"customer": {"phoneNumber": PHONE}})["code"] == "4001012"
    assert till.refused(GETMEMBER, {"customer": {}})["code"] == "4000001"
    assert till.refused(GETMEMBER, {})["code"] == "4000001"


def test_the_app_code_works_for_one_sale_at_one_till_and_the_qr_likewise(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    issued = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    by_code = {"appClientId": issued["code"]}
    assert member_of(till, by_code) == member_id
    # The same till sends the code again with every call of the sale: it still names the member there.
    quoted = till.post(
        "getBenefits",
        {"customers": [by_code], "purchase": purchase("Q-1"), "redeemAssets": [{"key": made["asset"]["id"]}]},
    )
    assert quoted["totalDiscountsSum"] == -600
    till.post("submitPurchase", {"customers": [by_code], "purchase": purchase("Q-1")})
    # Single use: another till cannot use it, nor can /v1.
    assert till.other("2").refused(GETMEMBER, {"customer": by_code})["code"] == "4001012"
    assert tenant.client.post("/v1/identify", headers=tenant.pos, json={"code": issued["code"]}).status_code == 404

    issued = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    assert member_of(till, {"temporaryToken": issued["qr"]}) == member_id
    assert till.other("3").refused(GETMEMBER, {"customer": {"temporaryToken": issued["qr"]}})["code"] == "4001012"


def test_a_code_sent_by_send_identification_code_works_once_as_app_client_id(
    tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    capsys.readouterr()
    till.post("advanced/sendIdentificationCode", {"customer": {"phoneNumber": PHONE}})
    code = printed_code(capsys)
    assert member_of(till, {"appClientId": code}) == made["member"]["id"]
    assert till.other("9").refused(GETMEMBER, {"customer": {"appClientId": code}})["code"] == "4001012"
    till.post("sendIdentificationCode", {"customer": {"email": "ada@example.org"}})  # the prefix-less spelling
    assert printed_code(capsys) != ""
    unknown = till.refused("advanced/sendIdentificationCode", {"customer": {"phoneNumber": "079 555 09 09"}})
    assert unknown["code"] == "4001012"


def test_a_blocked_member_is_inactive_and_cannot_buy_with_the_account(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    ok(tenant.client.patch(f"/v1/members/{member_id}", headers=tenant.admin, json={"status": "blocked"}))
    till = ComoTill(tenant.client, tenant.pos_key)
    membership = till.post(GETMEMBER, {"customer": {"phoneNumber": PHONE}, "purchase": purchase("B-1")})["membership"]
    assert membership["status"] == "Inactive"
    refused = till.refused("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("B-1")})
    assert refused["code"] == "4220001" and refused["cause"] == [
        {"code": "member_blocked", "message": refused["message"]}
    ]


def test_a_pending_member_is_not_found(tenant: Tenant) -> None:
    joined = tenant.client.post(
        f"/v1/app/{tenant.business_id}/register",
        json={"phone": "079 444 55 66", "first_name": "Pending", "consent": {"terms": True}},
    )
    assert joined.status_code == 202, joined.text
    till = ComoTill(tenant.client, tenant.pos_key)
    assert till.refused(GETMEMBER, {"customer": {"phoneNumber": "079 444 55 66"}})["code"] == "4001012"


def test_submit_event_fires_the_event_rules(tenant: Tenant, db: Database) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    till.post("submitEvent", {"customer": {"phoneNumber": PHONE}, "event": {"type": "birthday_party"}})
    with db.read() as session:
        names = session.scalars(select(Event.name).where(Event.member_id == uuid.UUID(made["member"]["id"]))).all()
    assert names == ["birthday_party"]
    assert till.refused("submitEvent", {"customer": {"phoneNumber": PHONE}})["code"] == "4000001"


def test_branch_and_pos_ids_name_a_terminal_made_on_first_use(tenant: Tenant, db: Database) -> None:
    shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key, branch="Lausanne", pos="Till 4")
    key = tenant.client.get("/api/v4/apiKey", headers=till.headers).json()
    assert key == {"status": "ok", "name": "Test shop", "locationId": "Lausanne", "locationName": "Branch Lausanne"}
    till.post("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("X-1")})
    # Swift spells the headers X-Branch-Id / X-Pos-Id: the same terminal.
    swift = ComoTill(
        tenant.client, tenant.pos_key, branch=None, pos=None, extra={"X-Branch-Id": "Lausanne", "X-Pos-Id": "Till 4"}
    )
    swift.post("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("X-2")})
    plain = ComoTill(tenant.client, tenant.pos_key, branch=None, pos=None)
    plain.post("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("X-1")})  # its own till
    business = uuid.UUID(tenant.business_id)
    with db.read() as session:
        branch = session.scalar(select(Branch).where(Branch.business_id == business, Branch.external_id == "Lausanne"))
        assert branch is not None
        terminals = session.scalars(select(Terminal).where(Terminal.branch_id == branch.id)).all()
        assert [(t.external_id, t.name) for t in terminals] == [("Till 4", "POS Till 4")]
        by_terminal = {
            (str(row.terminal_id), row.transaction_id, str(row.branch_id))
            for row in session.scalars(select(Purchase).where(Purchase.business_id == business))
        }
    assert by_terminal == {
        (str(terminals[0].id), "X-1", str(branch.id)),
        (str(terminals[0].id), "X-2", str(branch.id)),
        (tenant.terminal_id, "X-1", tenant.branch_id),
    }
    too_long = ComoTill(tenant.client, tenant.pos_key, pos="x" * 65)
    assert too_long.refused(GETMEMBER, {"customer": {"phoneNumber": PHONE}})["code"] == "4000001"


def test_a_missing_wrong_or_admin_key_is_a_401_in_como_shape(tenant: Tenant) -> None:
    for key in (None, "lk_pos_nope", tenant.admin_key):
        headers = {"X-Api-Key": key} if key else {}
        answer = tenant.client.post(
            "/api/v4/getMemberDetails", headers=headers, json={"customer": {"phoneNumber": PHONE}}
        )
        assert answer.status_code == 401
        assert answer.json()["status"] == "error" and answer.json()["errors"][0]["code"] == "401"
    assert tenant.client.get("/api/v4/apiKey").status_code == 401


def test_without_a_valid_key_even_a_malformed_body_is_a_401(tenant: Tenant) -> None:
    for headers in ({}, {"X-Api-Key": "lk_pos_nope"}):
        answer = tenant.client.post("/api/v4/submitPurchase", headers=headers, content=b"{not json")
        assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "401"


def test_a_till_cannot_flood_a_member_with_codes(tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    for _ in range(5):
        till.post("advanced/sendIdentificationCode", {"customer": {"phoneNumber": PHONE}})
    capsys.readouterr()
    flood = till.refused("advanced/sendIdentificationCode", {"customer": {"phoneNumber": PHONE}})
    assert flood["code"] == "4290001" and "5 codes in the last hour" in flood["message"]
    assert "login code" not in capsys.readouterr().err  # nothing more was sent
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"payment_verification": True}))
    body = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("C-1"), "amount": 100}
    assert till.refused("payment", body)["code"] == "4290001"  # a payment's code counts too
