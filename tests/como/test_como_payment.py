"""Budget payments at a Como till: the verification-code flow, the business's limits, what the sale still owes,
and the settings that govern them, shown and changed through /v1/business."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.como.helpers import PHONE, ComoTill, ok, printed_code, purchase, shop
from tests.conftest import Tenant


def settings(tenant: Tenant, **changes: object) -> dict[str, object]:
    return ok(tenant.client.patch("/v1/business", headers=tenant.admin, json=changes))


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))["points_balance"])


def test_payment_settings_are_shown_and_changed_with_the_business(tenant: Tenant) -> None:
    shown = ok(tenant.client.get("/v1/business", headers=tenant.admin))
    assert (shown["payment_wallet"], shown["payment_verification"], shown["payment_min"], shown["payment_max"]) == (
        "points",
        False,
        None,
        None,
    )
    changed = settings(tenant, payment_verification=True, payment_min="2.00", payment_max="10.50")
    assert (changed["payment_verification"], changed["payment_min"], changed["payment_max"]) == (True, "2.00", "10.50")
    assert settings(tenant, payment_max=None)["payment_max"] is None  # null removes a limit
    assert settings(tenant, name="Renamed")["payment_min"] == "2.00"  # untouched when not sent
    for bad, field in (
        ({"payment_wallet": "vouchers"}, "payment_wallet"),
        ({"payment_min": "1.001"}, "payment_min"),
        ({"payment_min": "20", "payment_max": "10"}, "payment_min"),
        ({"payment_max": "0"}, "payment_max"),
    ):
        refused = tenant.client.patch("/v1/business", headers=tenant.admin, json=bad)
        assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == field, refused.text


def test_a_payment_with_verification_sends_a_code_and_pays_with_it(
    tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    settings(tenant, payment_verification=True)
    till = ComoTill(tenant.client, tenant.pos_key)
    body = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("P-1"), "amount": 300, "verificationCode": None}
    capsys.readouterr()
    sent = till.refused("payment", body)
    assert sent["code"] == "4007005"
    code = printed_code(capsys)
    assert balance(tenant, member_id) == 20
    assert till.refused("payment", {**body, "verificationCode": ""})["code"] == "4007014"
    wrong = "0000" if code != "0000" else "1111"
    assert till.refused("payment", {**body, "verificationCode": wrong})["code"] == "4007004"
    assert balance(tenant, member_id) == 20
    paid = till.post("payment", {**body, "verificationCode": code})
    assert paid["payments"] == [{"paymentMethod": "meanOfPayment", "amount": -300}]
    assert paid["updatedBalance"] == {"monetary": 1700, "nonMonetary": 1700}
    # The same call again is a retry: it answers the payment made, without asking the (spent) code again.
    assert till.post("payment", {**body, "verificationCode": code}) == paid
    # The code worked once: another payment needs a new one.
    assert till.refused("payment", {**body, "amount": 200, "verificationCode": code})["code"] == "4007004"
    assert balance(tenant, member_id) == 17


def test_no_code_is_asked_of_a_member_identified_by_the_app_at_this_till(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    settings(tenant, payment_verification=True)
    till = ComoTill(tenant.client, tenant.pos_key)
    issued = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    till.post("getMemberDetails", {"customer": {"appClientId": issued["code"]}})
    paid = till.post(
        "payment", {"customer": {"appClientId": issued["code"]}, "purchase": purchase("P-2"), "amount": 250}
    )
    assert paid["updatedBalance"]["nonMonetary"] == 1750
    # At another till the member was not seen with the app: a code is asked.
    other = till.other("7").refused(
        "payment", {"customer": {"phoneNumber": PHONE}, "purchase": purchase("P-3"), "amount": 100}
    )
    assert other["code"] == "4007005"


def test_payments_outside_the_limits_are_refused_with_their_codes(tenant: Tenant) -> None:
    made = shop(tenant)
    settings(tenant, payment_min="2.00", payment_max="10.00")
    till = ComoTill(tenant.client, tenant.pos_key)
    body = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("L-1")}
    assert till.refused("payment", {**body, "amount": 1001})["code"] == "4007009"
    assert till.refused("payment", {**body, "amount": 199})["code"] == "4007010"
    assert till.post("payment", {**body, "amount": 1000})["payments"][0]["amount"] == -1000
    assert balance(tenant, made["member"]["id"]) == 10


def test_a_payment_pays_what_the_points_cover_and_never_more_than_the_sale_owes(tenant: Tenant) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    small = purchase("O-1", items=[{"lineId": "1", "code": "POPCORN", "quantity": 1, "netAmount": 600}])
    first = till.post("payment", {"customer": {"phoneNumber": PHONE}, "purchase": small, "amount": 500})
    assert first["payments"][0]["amount"] == -500
    rest = till.post("payment", {"customer": {"phoneNumber": PHONE}, "purchase": small, "amount": 400})
    assert rest["payments"][0]["amount"] == -100  # the sale owed 1.00 more
    done = till.refused("payment", {"customer": {"phoneNumber": PHONE}, "purchase": small, "amount": 300})
    assert done["code"] == "4220001"
    big = purchase("O-2")
    covered = till.post("payment", {"customer": {"phoneNumber": PHONE}, "purchase": big, "amount": 4000})
    assert covered["payments"][0]["amount"] == -1400  # all that is left of the 20 points
    assert covered["updatedBalance"] == {"monetary": 0, "nonMonetary": 0}
    empty = till.refused("payment", {"customer": {"phoneNumber": PHONE}, "purchase": big, "amount": 100})
    assert empty["code"] == "4220001" and empty["cause"][0]["code"] == "insufficient_points"
    for amount in (0, -5, None, "5", 1.5):
        bad = till.refused("payment", {"customer": {"phoneNumber": PHONE}, "purchase": big, "amount": amount})
        assert bad["code"] == "4000001" and "amount" in bad["message"]
    assert balance(tenant, made["member"]["id"]) == 0
    assert till.refused("cancelPayment", {"confirmation": "nope"})["code"] == "4040001"
    assert till.refused("cancelPayment", {})["code"] == "4000001"


def test_a_retried_payment_pays_once_and_pays_again_after_a_cancel(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    body = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("R-1"), "amount": 300}
    first = till.post("payment", body)
    # The till timed out and sends the same call again, twice: one payment, the same answer.
    assert till.post("payment", body) == first
    assert till.post("payment", body)["confirmation"] == first["confirmation"]
    assert balance(tenant, member_id) == 17
    # The same call at another till is that till's own payment.
    elsewhere = till.other("2").post("payment", body)
    assert elsewhere["confirmation"] != first["confirmation"] and balance(tenant, member_id) == 14
    # Cancelled, the same call pays anew.
    till.post("cancelPayment", {"confirmation": first["confirmation"]})
    assert balance(tenant, member_id) == 17
    again = till.post("payment", body)
    assert again["confirmation"] != first["confirmation"] and balance(tenant, member_id) == 14


def test_an_idempotency_key_tells_two_equal_payments_from_a_retry(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    body = {"customer": {"phoneNumber": PHONE}, "purchase": purchase("K-1"), "amount": 200}
    one = ComoTill(tenant.client, tenant.pos_key, extra={"Idempotency-Key": "pay-1"})
    two = ComoTill(tenant.client, tenant.pos_key, extra={"Idempotency-Key": "pay-2"})
    first = one.post("payment", body)
    assert one.post("payment", body) == first
    second = two.post("payment", body)
    assert second["confirmation"] != first["confirmation"]
    assert balance(tenant, member_id) == 16
