"""A Como till sees the programs beyond points: a member's stored credit (shown, and paid from when the business
chooses it) and the automatic member deals of a basket."""

from __future__ import annotations

from typing import Any

from tests.como.helpers import PHONE, ComoTill, ok, purchase, shop
from tests.conftest import Tenant


def top_up(tenant: Tenant, member_id: str, amount: str) -> None:
    ok(
        tenant.client.post(
            f"/v1/members/{member_id}/credit",
            headers={**tenant.admin, "Idempotency-Key": f"load-{member_id}-{amount}"},
            json={"amount": amount, "reason": "top-up"},
        ),
        201,
    )


def credit_of(tenant: Tenant, member_id: str) -> str:
    return str(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))["credit_balance"])


def test_a_business_paying_from_credit_shows_it_pays_from_it_and_gives_it_back(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    top_up(tenant, member_id, "25.00")
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"payment_wallet": "credit"}))
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}

    membership = till.post("getMemberDetails", {"customer": customer})["membership"]
    assert membership["creditBalance"] == {"usedByPayment": True, "balance": {"monetary": 2500, "nonMonetary": 2500}}
    assert membership["pointsBalance"]["usedByPayment"] is False

    # The sale costs 40.00 and the member asks 60.00 of credit: credit pays what it holds, never more.
    paid = till.post("payment", {"customer": customer, "purchase": purchase("C-1"), "amount": 6000})
    assert paid["type"] == "memberCredit"
    assert paid["payments"] == [{"paymentMethod": "meanOfPayment", "amount": -2500}]
    assert paid["updatedBalance"] == {"monetary": 0, "nonMonetary": 0}
    assert credit_of(tenant, member_id) == "0.00"
    retried = till.post("payment", {"customer": customer, "purchase": purchase("C-1"), "amount": 6000})
    assert retried == paid and credit_of(tenant, member_id) == "0.00"  # a retry answers the payment made

    back = till.post("cancelPayment", {"confirmation": paid["confirmation"]})
    assert back["type"] == "memberCredit" and back["updatedBalance"] == {"monetary": 2500, "nonMonetary": 2500}
    assert credit_of(tenant, member_id) == "25.00"

    # Paid again and confirmed: reported as the POS reports it, the credit stays spent exactly once.
    paid = till.post("payment", {"customer": customer, "purchase": purchase("C-2"), "amount": 1000})
    sale = purchase("C-2", meansOfPayment=[{"type": "memberCredit", "amount": 1000}, {"type": "cash", "amount": 3000}])
    till.post("submitPurchase", {"customer": customer, "purchase": sale})
    assert credit_of(tenant, member_id) == "15.00"


def test_a_members_deal_appears_in_get_benefits_with_its_lines(tenant: Tenant) -> None:
    shop(tenant)
    deal: dict[str, Any] = {
        "name": "Members: 1.00 off popcorn",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "discount", "discount": {"amount": "1.00"}, "items": {"codes": ["POPCORN"]}}],
    }
    rule = ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=deal), 201)
    till = ComoTill(tenant.client, tenant.pos_key)

    quoted = till.post("getBenefits", {"customer": {"phoneNumber": PHONE}, "purchase": purchase("D-1")})
    assert [(d["key"], d["name"]) for d in quoted["deals"]] == [(rule["id"], "Members: 1.00 off popcorn")]
    (benefit,) = quoted["deals"][0]["benefits"]
    assert benefit["sum"] == -100
    assert [(d["item"]["lineId"], d["discount"]) for d in benefit["extendedData"]] == [("2", -100)]
    assert quoted["totalDiscountsSum"] == -100


def test_points_still_pending_are_not_offered_to_a_como_till(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"points_pending_days": 14}))
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}
    till.post("submitPurchase", {"customer": customer, "purchase": purchase("P-1")})
    shown = ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))
    assert shown["points_pending"] != "0.00"  # the sale's points wait two weeks

    membership = till.post("getMemberDetails", {"customer": customer})["membership"]
    spendable = int(shown["points_balance"].replace(".", ""))
    assert membership["pointsBalance"]["balance"]["nonMonetary"] == spendable == 2000  # the 20 points of before
