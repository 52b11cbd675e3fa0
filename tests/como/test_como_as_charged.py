"""A closed submitPurchase is recorded as the till made it: the customer has paid. The discounts are the till's
`appliedAmount`s, points are earned on what the customer paid, an asset or code that can no longer apply is not
redeemed and is reported while the sale stands, and the Campaign Center lists per till where the till's discounts
differ from loyalty's own. Bodies as the PHP client's submitPurchase() sends them (`redeemAssets`, `deals`)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Asset, Purchase, PurchaseLine
from tests.como.helpers import PHONE, ComoTill, line, ok, purchase, shop
from tests.conftest import Tenant

CUSTOMER = {"phoneNumber": PHONE}


def balance(tenant: Tenant, member_id: str) -> Decimal:
    found = ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.headers(tenant.admin_key)))
    return Decimal(found["points_balance"])


def two_off_code(tenant: Tenant, code: str = "TWOOFF") -> None:
    admin = tenant.headers(tenant.admin_key)
    benefit = ok(
        tenant.client.post(
            "/v1/benefits", headers=admin, json={"name": "2.00 off", "kind": "discount", "discount": {"amount": "2.00"}}
        ),
        201,
    )
    ok(tenant.client.post("/v1/codes", headers=admin, json={"code": code, "benefit_id": benefit["id"]}), 201)


def stored(db: Database, transaction_id: str) -> tuple[Any, list[Any]]:
    with db.read() as session:
        row = session.scalar(select(Purchase).where(Purchase.transaction_id == transaction_id))
        assert row is not None
        lines = list(
            session.scalars(
                select(PurchaseLine).where(PurchaseLine.purchase_id == row.id).order_by(PurchaseLine.position)
            )
        )
        session.expunge_all()
        return row, lines


def test_a_code_the_till_applied_as_3_off_is_recorded_as_3_off_and_earns_on_27(tenant: Tenant, db: Database) -> None:
    made = shop(tenant)  # 10% back in points on everything but alcohol
    two_off_code(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    items = [line("1", "TICKET", "tickets", 2, 3000)]
    body = {
        "customers": [CUSTOMER],
        "purchase": purchase("AC-1", items=items, totalAmount=2700, meansOfPayment=[{"type": "cash", "amount": 2700}]),
        "redeemAssets": [{"code": "TWOOFF", "appliedAmount": -300}],
    }
    done = till.post("submitPurchase", body)
    assert done["memberNotes"][0]["content"].startswith("+2.70 points: 10% of 27.00")
    assert "redeemAssets" not in done  # everything it listed was redeemed
    assert balance(tenant, made["member"]["id"]) == Decimal("22.70")
    row, lines = stored(db, "AC-1")
    assert (row.total_minor, row.discount_minor, row.computed_discount_minor) == (2700, 300, 200)
    assert [(stored_line.amount_minor, stored_line.discount_minor) for stored_line in lines] == [(3000, 300)]
    assert row.response["codes_used"] == ["TWOOFF"] and row.response["computed_discount_total"] == "2.00"
    # The same body again is the same purchase.
    assert till.post("submitPurchase", body)["confirmation"] == done["confirmation"]

    # The Campaign Center's report lists the till and both sums; /v1 sales (loyalty's own discounts) are not in it.
    admin = tenant.headers(tenant.admin_key)
    report = ok(tenant.client.get("/v1/reports/till-discounts", headers=admin))
    (entry,) = report["tills"]
    assert entry["pos_id"] == "1" and entry["sales_that_differ"] == 1
    assert (entry["till_discounts"], entry["loyalty_discounts"], entry["difference"]) == ("3.00", "2.00", "1.00")
    pos = tenant.headers(tenant.pos_key)
    assert tenant.client.get("/v1/reports/till-discounts", headers=pos).status_code == 403


def test_an_asset_used_meanwhile_is_not_redeemed_and_the_sale_stands(tenant: Tenant, db: Database) -> None:
    made = shop(tenant)
    member_id, popcorn = made["member"]["id"], made["asset"]["id"]
    first, second = ComoTill(tenant.client, tenant.pos_key), ComoTill(tenant.client, tenant.pos_key, pos="2")
    asked = [{"key": popcorn, "code": None, "appliedAmount": -600}]
    # Both tills quoted the free popcorn; the first closes its sale.
    for till, txn in ((first, "A-1"), (second, "B-1")):
        quoted = till.post("getBenefits", {"customers": [CUSTOMER], "purchase": purchase(txn), "redeemAssets": asked})
        assert quoted["redeemAssets"][0]["redeemable"] is True
    first.post("submitPurchase", {"customers": [CUSTOMER], "purchase": purchase("A-1"), "redeemAssets": asked})
    points_after_first = balance(tenant, member_id)
    # The second till's customer has paid too: its sale stands, the popcorn is reported as not redeemed.
    asked_too = [*asked, {"code": "NOPE", "appliedAmount": -100}]
    body = {"customers": [CUSTOMER], "purchase": purchase("B-1"), "redeemAssets": asked_too}
    done = second.post("submitPurchase", body)
    popcorn_entry, code_entry = done["redeemAssets"]
    assert popcorn_entry["key"] == popcorn and popcorn_entry["redeemable"] is False
    assert popcorn_entry["nonRedeemableCause"]["code"] == "5523"
    assert "already used" in popcorn_entry["nonRedeemableCause"]["message"]
    assert code_entry == {
        "code": "NOPE",
        "redeemable": False,
        "nonRedeemableCause": {"code": "5523", "message": "unknown or already used"},
    }
    assert any(note["content"].startswith(f"Not redeemed: {popcorn}") for note in done["memberNotes"])
    # Points on what the customer paid: 40.00 less the 6.00 and 1.00 the till took off, the beer (4.00, alcohol,
    # after its share of the till's discounts) excluded.
    row, lines = stored(db, "B-1")
    assert (row.total_minor, row.discount_minor, row.computed_discount_minor) == (3300, 700, 0)
    assert row.response["redeemed"] == [] and row.response["codes_used"] == []
    assert sum(stored_line.discount_minor for stored_line in lines) == 700
    earned = balance(tenant, member_id) - points_after_first
    assert earned == Decimal(row.points_earned) / 100 and earned > 0
    with db.read() as session:
        asset = session.get(Asset, uuid.UUID(popcorn))
        assert asset is not None and asset.status == "redeemed"
    # A replay answers the same.
    assert second.post("submitPurchase", body) == done


def test_a_deal_the_till_did_not_list_was_not_given(tenant: Tenant, db: Database) -> None:
    shop(tenant)
    admin = tenant.headers(tenant.admin_key)
    rule = {
        "name": "Members: 1.00 off popcorn",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "discount", "discount": {"amount": "1.00"}, "items": {"codes": ["POPCORN"]}}],
    }
    deal = ok(tenant.client.post("/v1/rules", headers=admin, json=rule), 201)
    till = ComoTill(tenant.client, tenant.pos_key)
    # Deals listed with their appliedAmount: recorded as listed.
    till.post(
        "submitPurchase",
        {"customers": [CUSTOMER], "purchase": purchase("D-1"), "deals": [{"key": deal["id"], "appliedAmount": -150}]},
    )
    row, _ = stored(db, "D-1")
    assert (row.discount_minor, row.computed_discount_minor) == (150, 100)
    # No deals sent (the PHP client leaves the key out when it has none): loyalty's own deal stands.
    till.post("submitPurchase", {"customers": [CUSTOMER], "purchase": purchase("D-2")})
    row, _ = stored(db, "D-2")
    assert (row.discount_minor, row.computed_discount_minor) == (100, 100)
    # Another deal listed but not this one: the customer did not get it.
    till.post(
        "submitPurchase",
        {"customers": [CUSTOMER], "purchase": purchase("D-3"), "deals": [{"key": "till-own", "appliedAmount": -50}]},
    )
    row, _ = stored(db, "D-3")
    assert (row.discount_minor, row.computed_discount_minor) == (50, 100)
