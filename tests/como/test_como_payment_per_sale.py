"""Payment verification per sale: an app code proves the member for the ticket it is used on, not for every sale
at that till for half an hour; and a ticket's budget payments are capped by its `totalAmount`, else by the sum of
its items, else refused. Bodies as the PHP client's payment() sends them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.como.helpers import PHONE, ComoTill, line, ok, printed_code, purchase, shop
from tests.conftest import Tenant


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))["points_balance"])


def test_an_app_code_proves_the_member_for_one_ticket_only(tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"payment_verification": True}))
    till = ComoTill(tenant.client, tenant.pos_key)
    issued = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    app = {"appClientId": issued["code"]}
    till.post("getMemberDetails?returnAssets=active&expand=assets.redeemable", {"customer": app})
    first = till.post(
        "payment", {"customer": app, "purchase": purchase("S-1"), "amount": 200, "verificationCode": None}
    )
    assert first["updatedBalance"]["nonMonetary"] == 1800
    # The same ticket again (a second payment on it): still proven.
    again = till.post(
        "payment", {"customer": app, "purchase": purchase("S-1"), "amount": 100, "verificationCode": None}
    )
    assert again["updatedBalance"]["nonMonetary"] == 1700
    # The next sale at the same till, minutes later, naming the member the same way: a code is asked.
    capsys.readouterr()
    for customer in (app, {"phoneNumber": PHONE}):
        asked = till.refused(
            "payment", {"customer": customer, "purchase": purchase("S-2"), "amount": 100, "verificationCode": None}
        )
        assert asked["code"] == "4007005"
    code = printed_code(capsys)
    paid = till.post(
        "payment",
        {"customer": {"phoneNumber": PHONE}, "purchase": purchase("S-2"), "amount": 100, "verificationCode": code},
    )
    assert paid["updatedBalance"]["nonMonetary"] == 1600
    assert balance(tenant, member_id) == 16


def test_a_ticket_without_a_total_is_capped_by_its_items_and_without_either_refused(tenant: Tenant) -> None:
    made = shop(tenant)
    ok(
        tenant.client.post(
            f"/v1/members/{made['member']['id']}/adjustments",
            headers=tenant.admin,
            json={"points": "600", "reason": "x"},
        ),
        201,
    )
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}
    items = [line("1", "TICKET", "tickets", 2, 3000)]
    no_total = {k: v for k, v in purchase("C-1", items=items).items() if k != "totalAmount"}
    paid = till.post("payment", {"customer": customer, "purchase": no_total, "amount": 49500})
    assert paid["payments"] == [{"paymentMethod": "meanOfPayment", "amount": -3000}]
    more = till.refused("payment", {"customer": customer, "purchase": no_total, "amount": 100})
    assert more["code"] == "4220001" and more["cause"][0]["code"] == "payments_exceed_total"
    bare = {"transactionId": "C-2", "orderType": "dineIn"}
    refused = till.refused("payment", {"customer": customer, "purchase": bare, "amount": 100})
    assert refused["code"] == "4000001" and refused["message"].startswith("purchase.totalAmount")
    assert balance(tenant, made["member"]["id"]) == Decimal(620 - 30)
