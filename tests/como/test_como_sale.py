"""A whole Como sale over HTTP, with the bodies the public clients send, checked at every step in cents and points
and compared with the same sale made through /v1: the same purchase, points, discounts and ledger entries."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, LedgerTransaction, Purchase, PurchaseLine
from loyalty.wallet import ledger
from tests.como.helpers import OPEN_TIME, PHONE, ComoTill, basket, ok, purchase, shop
from tests.conftest import Tenant

GETMEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"
GETBENEFITS = "getBenefits?expand=discountByDiscount"


def v1_sale(member_id: str, transaction_id: str, **extra: Any) -> dict[str, Any]:
    """The same basket as helpers.basket(), in /v1's words."""
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {
                "line_id": "1",
                "code": "TICKET",
                "name": "Ticket",
                "department": "tickets",
                "quantity": 2,
                "amount": "30.00",
            },
            {
                "line_id": "2",
                "code": "POPCORN",
                "name": "Popcorn",
                "department": "snacks",
                "quantity": 1,
                "amount": "6.00",
            },
            {
                "line_id": "3",
                "code": "BEER",
                "name": "Beer",
                "department": "bar",
                "quantity": 1,
                "amount": "4.00",
                "tags": ["alcohol"],
            },
        ],
        **extra,
    }


def recorded(db: Database, business_id: str) -> dict[str, Any]:
    """What a business's sales recorded, without ids and times: purchases, their lines, and the ledger."""
    business = uuid.UUID(business_id)
    with db.read() as session:
        purchases = [
            (row.transaction_id, row.status, row.total_minor, row.discount_minor, row.points_earned)
            for row in session.scalars(select(Purchase).where(Purchase.business_id == business))
        ]
        lines = sorted(
            (
                row.line_id,
                row.code,
                row.department,
                row.quantity,
                row.amount_minor,
                row.discount_minor,
                row.points_earned,
                row.returned_quantity,
                row.points_returned,
            )
            for row in session.scalars(select(PurchaseLine).where(PurchaseLine.business_id == business))
        )
        entries = sorted(
            (kind, account, amount)
            for kind, account, amount in session.execute(
                select(LedgerTransaction.kind, LedgerEntry.account, LedgerEntry.amount)
                .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
                .where(LedgerTransaction.business_id == business)
            )
        )
    return {"purchases": sorted(purchases), "lines": lines, "ledger": entries}


def history(tenant: Tenant, member_id: str) -> list[tuple[str, str]]:
    page = ok(tenant.client.get(f"/v1/members/{member_id}/history", headers=tenant.admin))
    return sorted((item["kind"], item["points"]) for item in page["items"])


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin))["points_balance"])


def test_a_como_sale_records_what_the_same_sale_records_through_v1(
    tenant: Tenant, other_tenant: Tenant, db: Database
) -> None:
    # --- through Como -----------------------------------------------------------------------------
    made = shop(tenant)
    member_id, popcorn, nachos = made["member"]["id"], made["asset"]["id"], made["nachos"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}

    details = till.post(GETMEMBER, {"customer": customer, "purchase": purchase("T-1")})
    membership = details["membership"]
    assert membership["commonExtId"] == member_id and membership["status"] == "Active"
    assert membership["pointsBalance"] == {"usedByPayment": True, "balance": {"monetary": 2000, "nonMonetary": 2000}}
    assert membership["creditBalance"] == {"usedByPayment": False, "balance": {"monetary": 0, "nonMonetary": 0}}
    assets = {asset["key"]: asset for asset in membership["assets"]}
    assert assets[popcorn]["redeemable"] is True and "nonRedeemableCause" not in assets[popcorn]
    assert assets[nachos]["redeemable"] is False
    assert assets[nachos]["nonRedeemableCause"]["code"] == "5523"
    assert "no item in this sale qualifies" in assets[nachos]["nonRedeemableCause"]["message"]

    quoted = till.post(
        GETBENEFITS,
        {
            "customers": [customer],
            "purchase": purchase("T-1"),
            "redeemAssets": [{"key": popcorn}, {"code": "summer10"}, {"code": "NOPE"}],
        },
    )
    assert quoted["deals"] == []
    wallet, code, unknown = quoted["redeemAssets"]
    assert wallet["key"] == popcorn and wallet["redeemable"] is True and wallet["name"] == "Free popcorn"
    assert [benefit["sum"] for benefit in wallet["benefits"]] == [-600]
    assert [(d["item"]["lineId"], d["discount"]) for d in wallet["benefits"][0]["extendedData"]] == [("2", -600)]
    # 10% of what the popcorn left (30.00 + 4.00) = 3.40, spread over the ticket and the beer.
    assert code["code"] == "summer10" and code["benefits"][0]["sum"] == -340
    per_line = [(d["item"]["lineId"], d["discount"]) for d in code["benefits"][0]["extendedData"]]
    assert per_line == [("1", -300), ("3", -40)]
    for benefit in wallet["benefits"] + code["benefits"]:
        assert sum(d["discount"] for d in benefit["extendedData"]) == benefit["sum"]
        for data in benefit["extendedData"]:
            units = sum(part["quantity"] * part["unitDiscount"] for part in data["discountAllocation"])
            assert units == data["discount"]
    assert unknown == {
        "code": "NOPE",
        "name": "NOPE",
        "redeemable": False,
        "benefits": [],
        "nonRedeemableCause": {"code": "5523", "message": "unknown or already used"},
    }
    assert quoted["totalDiscountsSum"] == -940

    opened = till.post("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("T-1")})
    assert opened["confirmation"]
    assert balance(tenant, member_id) == 20  # an open ticket earns and spends nothing

    paid = till.post(
        "payment", {"customer": customer, "purchase": purchase("T-1"), "amount": 500, "verificationCode": None}
    )
    assert paid["payments"] == [{"paymentMethod": "meanOfPayment", "amount": -500}]
    assert paid["type"] == "memberPoints"
    assert paid["updatedBalance"] == {"monetary": 1500, "nonMonetary": 1500}
    extra = till.post("payment", {"customer": customer, "purchase": purchase("T-1"), "amount": 100})
    assert extra["updatedBalance"] == {"monetary": 1400, "nonMonetary": 1400}
    given_back = till.post("cancelPayment", {"confirmation": extra["confirmation"]})
    assert given_back["type"] == "memberPoints"
    assert given_back["updatedBalance"] == given_back["balance"] == {"monetary": 1500, "nonMonetary": 1500}

    closed_body = {
        "customers": [customer],
        "purchase": purchase(
            "T-1", meansOfPayment=[{"type": "memberPoints", "amount": 500}, {"type": "cash", "amount": 2560}]
        ),
        "redeemAssets": [
            {"key": popcorn, "code": None, "appliedAmount": -600},
            {"code": "SUMMER10", "appliedAmount": -340},
        ],
    }
    confirmed = till.post("submitPurchase", closed_body)
    # 10% of the 27.00 left on the tickets less the share paid with points (27.00 × 25.60 / 30.60 = 22.59) = 2.25.
    assert confirmed["memberNotes"][0]["content"].startswith("+2.25 points: 10% of 22.59 paid in cash")
    assert "(5.00 paid with points excluded)" in confirmed["memberNotes"][0]["content"]  # memberPoints is MOP points
    assert confirmed["memberNotes"][-1] == {"content": "Points balance: 17.25", "type": "text"}
    assert balance(tenant, member_id) == Decimal("17.25")
    assert till.post("submitPurchase", closed_body)["confirmation"] == confirmed["confirmation"]  # a replay
    changed = {**closed_body, "redeemAssets": []}
    assert till.refused("submitPurchase", changed)["code"] == "4090001"
    assert balance(tenant, member_id) == Decimal("17.25")  # nothing recorded twice

    returned = till.post(
        "submitPurchase",
        {
            "customers": [customer],
            "purchase": purchase(
                "R-1", relatedTransaction="T-1", items=[{**basket()[0], "quantity": -1, "netAmount": -1350}]
            ),
        },
    )
    assert returned["confirmation"]

    # --- the same sale through /v1 ----------------------------------------------------------------
    twin = shop(other_tenant)
    twin_id, twin_popcorn = twin["member"]["id"], twin["asset"]["id"]
    client, pos = other_tenant.client, other_tenant.pos
    v1_quote = ok(
        client.post(
            "/v1/quotes", headers=pos, json=v1_sale(twin_id, "T-1", benefits=[twin_popcorn], codes=["summer10", "NOPE"])
        )
    )
    assert v1_quote["discount_total"] == "9.40"  # what totalDiscountsSum said, in cents
    ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "twin-1"},
            json={"member_id": twin_id, "transaction_id": "T-1", "amount": "5.00"},
        ),
        201,
    )
    extra_payment = ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "twin-2"},
            json={"member_id": twin_id, "transaction_id": "T-1", "amount": "1.00"},
        ),
        201,
    )
    ok(client.post(f"/v1/payments/{extra_payment['id']}/cancel", headers=pos))
    v1_purchase = ok(
        client.post(
            "/v1/purchases",
            headers=pos,
            json=v1_sale(
                twin_id,
                "T-1",
                benefits=[twin_popcorn],
                codes=["SUMMER10"],
                payments=[{"mop": "points", "amount": "5.00"}, {"mop": "cash", "amount": "25.60"}],
            ),
        ),
        201,
    )
    ok(
        client.post(
            f"/v1/purchases/{v1_purchase['id']}/returns",
            headers=pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        ),
        201,
    )

    assert recorded(db, tenant.business_id) == recorded(db, other_tenant.business_id)
    assert history(tenant, member_id) == history(other_tenant, twin_id)
    # 17.25 less half of the 2.25 that line 1 earned, rounded for the member.
    assert balance(tenant, member_id) == balance(other_tenant, twin_id) == Decimal("16.13")

    # --- cancelled whole, by its confirmation ------------------------------------------------------
    till.post("cancelPurchase", {"confirmation": confirmed["confirmation"]})
    ok(client.post(f"/v1/purchases/{v1_purchase['id']}/cancel", headers=pos))
    assert recorded(db, tenant.business_id) == recorded(db, other_tenant.business_id)
    assert balance(tenant, member_id) == balance(other_tenant, twin_id) == Decimal("20.00")
    assert till.refused("cancelPurchase", {"confirmation": str(uuid.uuid4())})["code"] == "4040001"
    assert till.refused("cancelPurchase", {"confirmation": "not-an-id"})["code"] == "4040001"

    with db.read() as session:
        assert ledger.verify(session) == []


def test_void_releases_the_payments_of_an_open_ticket_and_cancels_a_confirmed_one(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}

    till.post("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("V-1")})
    till.post("payment", {"customer": customer, "purchase": purchase("V-1"), "amount": 700})
    assert balance(tenant, member_id) == 13
    till.post("voidPurchase", {"purchase": purchase("V-1")})
    assert balance(tenant, member_id) == 20
    till.post("voidPurchase", {"purchase": purchase("V-1")})  # twice changes nothing more
    assert balance(tenant, member_id) == 20

    till.post("submitPurchase", {"customers": [customer], "purchase": purchase("V-2")})
    earned = balance(tenant, member_id)
    assert earned > 20
    till.post("voidPurchase", {"purchase": purchase("V-2")})
    assert balance(tenant, member_id) == 20
    assert till.refused("voidPurchase", {"purchase": purchase("never-seen")})["code"] == "4040001"


def test_an_open_ticket_grows_until_it_is_confirmed_and_is_refused_after(tenant: Tenant) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}
    first = till.post(
        "submitPurchase?status=open", {"customers": [customer], "purchase": purchase("O-1", items=basket()[:1])}
    )
    again = till.post("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("O-1")})
    assert first["confirmation"] == again["confirmation"]
    till.post("submitPurchase", {"customers": [customer], "purchase": purchase("O-1")})
    late = till.refused("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("O-1")})
    assert late["code"] == "4220001" and late["cause"][0]["code"] == "transaction_completed"
    assert balance(tenant, made["member"]["id"]) > 20


def test_a_sale_without_a_member_is_recorded_as_the_php_client_sends_it(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    body = {
        "purchase": {
            "openTime": OPEN_TIME,
            "orderType": "dineIn",
            "totalAmount": 1000,
            "transactionId": "anon-1",
        }
    }
    first = till.post("submitPurchase", body)
    assert till.post("submitPurchase", body)["confirmation"] == first["confirmation"]
    assert first["memberNotes"] == []


def test_a_return_at_another_till_matches_lines_by_code_and_takes_the_points_back(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key)
    customer = {"phoneNumber": PHONE}
    till.post("submitPurchase", {"customers": [customer], "purchase": purchase("S-1")})
    after_sale = balance(tenant, member_id)
    assert after_sale == Decimal("23.60")  # 10% of the 36.00 of tickets and popcorn
    elsewhere = till.other("2")
    back = {
        "purchase": purchase(
            "S-1-R", relatedTransactionId="S-1", items=[{"code": "TICKET", "quantity": -2, "netAmount": -3000}]
        )
    }
    first = elsewhere.post("submitPurchase", back)
    assert balance(tenant, member_id) == Decimal("20.60")  # the 3.00 the tickets earned
    assert elsewhere.post("submitPurchase", back)["confirmation"] == first["confirmation"]  # a replay
    assert balance(tenant, member_id) == Decimal("20.60")
    unknown = elsewhere.refused(
        "submitPurchase",
        {
            "purchase": purchase(
                "S-1-R2", relatedTransaction="S-1", items=[{"code": "NACHOS", "quantity": -1, "netAmount": -500}]
            )
        },
    )
    assert unknown["code"] == "4000001" and "purchase.items.0.lineId" in unknown["message"]
    missing = elsewhere.refused("submitPurchase", {"purchase": purchase("S-9-R", relatedTransaction="S-9")})
    assert missing["code"] == "4040001"


def test_an_asset_asked_twice_applies_once_and_the_sums_still_agree(tenant: Tenant) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    popcorn = made["asset"]["id"]
    quoted = till.post(
        "getBenefits",
        {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("D-1"), "redeemAssets": [{"key": popcorn}] * 2},
    )
    first, second = quoted["redeemAssets"]
    assert first["redeemable"] is True and first["benefits"][0]["sum"] == -600
    assert second["redeemable"] is False and second["benefits"] == []
    assert second["nonRedeemableCause"]["message"].endswith("is already in this sale")
    assert quoted["totalDiscountsSum"] == -600


def test_another_business_cannot_cancel_a_purchase_or_payment_by_its_confirmation(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    paid = till.post("payment", {"customer": {"phoneNumber": PHONE}, "purchase": purchase("X-1"), "amount": 300})
    sold = till.post("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("X-2")})
    stranger = ComoTill(other_tenant.client, other_tenant.pos_key)
    assert stranger.refused("cancelPayment", {"confirmation": paid["confirmation"]})["code"] == "4040001"
    assert stranger.refused("cancelPurchase", {"confirmation": sold["confirmation"]})["code"] == "4040001"
    assert stranger.refused("voidPurchase", {"purchase": purchase("X-1")})["code"] == "4040001"
    assert balance(tenant, made["member"]["id"]) == Decimal("20.60")  # 17 after paying 3, + 3.60 from X-2


def test_refusals_name_the_field_as_como_spells_it(tenant: Tenant) -> None:
    shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    twice = purchase("F-1", items=[basket()[0], basket()[0]])
    error = till.refused("submitPurchase", {"customers": [{"phoneNumber": PHONE}], "purchase": twice})
    assert error["code"] == "4000001" and error["message"].startswith("purchase.items.1.lineId: ")
    wrong_type = till.refused("getBenefits", {"purchase": {"items": [{**basket()[0], "netAmount": "30"}]}})
    assert wrong_type["code"] == "4000001" and wrong_type["message"].startswith("purchase.items.0.netAmount: ")
    negative = till.refused("submitPurchase", {"purchase": purchase("F-3", items=[{**basket()[0], "quantity": -1}])})
    assert negative["message"].startswith("purchase.items.0.quantity: ")
    no_id = till.refused("submitPurchase", {"purchase": {"items": basket()}})
    assert no_id["message"] == "purchase.transactionId: is required"
