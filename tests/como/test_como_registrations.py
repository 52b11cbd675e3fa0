"""Registrations keep what the clients send: a member by e-mail alone, a foreign number with its country code but no
"+", `memberId`/`extClubMemberId` as the member number, and gender, anniversary and the `generic*` fields as member
attributes, shown in getMemberDetails and to an admin in /v1 (a pos key still cannot set tags). Bodies as the PHP
client's RegistrationData and Python scripts calling registration/quick send them."""

from __future__ import annotations

from tests.como.helpers import ComoTill, ok
from tests.conftest import Tenant

GETMEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"


def admin_view(tenant: Tenant, q: str) -> dict:
    """The one member an admin's search finds: contacts unmasked."""
    found = tenant.client.get("/v1/members", params={"q": q}, headers=tenant.admin).json()["items"]
    assert len(found) == 1, found
    return found[0]


def test_quick_registration_by_email_alone_and_a_number_without_plus(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)  # a Swiss business
    by_mail = till.post("advanced/registration/quick", {"customer": {"email": "Solo@Example.org", "firstName": "Solo"}})
    shown = by_mail["membership"]  # a till reads contacts masked, as /v1 shows them to a pos key
    assert shown["email"] == "s•••@example.org" and shown["phoneNumber"] is None and shown["status"] == "Active"
    assert admin_view(tenant, "solo")["email"] == "solo@example.org"
    assert till.post(GETMEMBER, {"customer": {"email": "solo@example.org"}})["membership"]["firstName"] == "Solo"
    # A Spanish number as a till sends it: country code, no "+".
    spanish = till.post(
        "registration/quick", {"customer": {"phoneNumber": "34600999888"}, "quickRegistrationCode": None}
    )
    assert spanish["membership"]["phoneNumber"].startswith("+34 ") and admin_view(tenant, "600999888")["phone"] == (
        "+34600999888"
    )
    assert till.post(GETMEMBER, {"customer": {"phoneNumber": "+34 600 99 98 88"}})["status"] == "ok"
    # A Swiss national number still reads as Swiss; neither phone nor e-mail is refused naming the field.
    swiss = till.post("registration/quick", {"customer": {"phoneNumber": "079 333 22 11"}})
    assert swiss["membership"]["phoneNumber"].startswith("+41 ") and admin_view(tenant, "793332211")["phone"] == (
        "+41793332211"
    )
    refused = till.refused("registration/quick", {"customer": {"firstName": "Nobody"}})
    assert refused["code"] == "4000001" and "phoneNumber" in refused["message"]
    assert till.refused("registration/quick", {"customer": {"phoneNumber": "12"}})["code"] == "4000001"


def test_member_number_gender_anniversary_and_generic_fields_are_kept_and_shown(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    registration = {
        "FirstName": "Jane",
        "LastName": "Smith",
        "PhoneNumber": "079 444 11 22",
        "Email": "jane@email.com",
        "Birthday": "03.03.1995",
        "Anniversary": "14.02.2020",
        "Gender": "female",
        "ExtClubMemberId": "CLUB-42",
        "AllowSMS": True,
        "GenericString1": "vip-lounge",
        "GenericDate1": "01.01.2020 10:00:00",
        "GenericCheckBox1": True,
        "GenericInteger1": 7,
    }
    till.post("advanced/registerMember", {"registrationData": registration})
    shown = till.post(GETMEMBER, {"customer": {"customIdentifier": "CLUB-42"}})["membership"]
    assert (shown["firstName"], shown["customIdentifier"], shown["gender"], shown["anniversary"]) == (
        "Jane",
        "CLUB-42",
        "female",
        "2020-02-14",
    )
    assert (shown["genericString1"], shown["genericDate1"], shown["genericCheckBox1"], shown["genericInteger1"]) == (
        "vip-lounge",
        "01.01.2020 10:00:00",
        True,
        7,
    )
    # /v1: the admin sees the attributes; a pos key does not (as it sees no birthday).
    member_id = shown["commonExtId"]
    admin = ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))
    assert admin["member_number"] == "CLUB-42"
    assert admin["attributes"]["gender"] == "female" and admin["attributes"]["genericString1"] == "vip-lounge"
    # Quick registration with memberId in the customer, as scripts send it.
    quick = till.post("advanced/registration/quick", {"customer": {"email": "m@example.org", "memberId": "M-9"}})
    assert quick["membership"]["customIdentifier"] == "M-9"
    # A field no member attribute has a name for is refused naming it, and a pos key still cannot set tags.
    odd = till.refused("advanced/registerMember", {"registrationData": {"Email": "x@example.org", "Tags": ["vip"]}})
    assert odd["code"] == "4000001" and odd["message"].startswith("registrationData")
    tags = tenant.client.post("/v1/members", headers=tenant.pos, json={"email": "t@example.org", "tags": ["vip"]})
    assert tags.status_code == 422 and tags.json()["error"]["details"]["field"] == "tags"


def test_update_member_changes_attributes_through_the_same_service_as_v1(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    registration = {"Email": "attr@example.org", "Gender": "female", "GenericString1": "balcony", "GenericInteger1": 3}
    till.post("advanced/registerMember", {"registrationData": registration})
    who = {"customer": {"email": "attr@example.org"}}
    # A till's update: one changed, one emptied (removed), one added; the others stay.
    change = {"gender": "other", "genericString1": "", "anniversary": "14.02.2021"}
    till.post("advanced/updateMember", {**who, "registrationData": change})
    shown = till.post(GETMEMBER, who)["membership"]
    assert (shown["gender"], shown["anniversary"], shown["genericInteger1"]) == ("other", "2021-02-14", 3)
    assert "genericString1" not in shown
    member_id = shown["commonExtId"]
    # /v1's PATCH merges the same way; a name no attribute has is refused naming the field, at both doors.
    patched = ok(
        tenant.client.patch(
            f"/v1/members/{member_id}", headers=tenant.admin, json={"attributes": {"gender": None, "genericDate1": "x"}}
        )
    )
    assert patched["attributes"] == {"anniversary": "2021-02-14", "genericInteger1": 3, "genericDate1": "x"}
    refused = tenant.client.patch(f"/v1/members/{member_id}", headers=tenant.admin, json={"attributes": {"vip": 1}})
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "attributes"
    odd = till.refused("advanced/updateMember", {**who, "registrationData": {"genericString1": "x" * 300}})
    assert odd["code"] == "4000001" and "genericString1" in odd["message"]
