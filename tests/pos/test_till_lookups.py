"""What a till looks up: a sale by its transaction id whatever its capitals, the payments it left open, and when a
member's pending points become spendable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Tenant
from tests.lots.helpers import buy, shop
from tests.support.people import adjust, register


def test_a_transaction_id_is_found_whatever_its_capitals(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant, "079 555 01 01")
    sale = {
        "transaction_id": "T-Receipt-42",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "TICKET", "amount": "18.00"}],
    }
    assert tenant.client.post("/v1/purchases", json=sale, headers=tenant.pos).status_code == 201
    for typed in ("T-Receipt-42", "t-receipt-42", "T-RECEIPT-42", "  t-RECEIPT-42 "):
        found = tenant.client.get("/v1/purchases", params={"transaction_id": typed}, headers=tenant.pos)
        assert found.status_code == 200, found.text
        assert [one["transaction_id"] for one in found.json()] == ["T-Receipt-42"], typed
    none = tenant.client.get("/v1/purchases", params={"transaction_id": "T-Receipt-4"}, headers=tenant.pos)
    assert none.json() == []


def test_another_business_sale_is_not_found_by_its_transaction_id(tenant: Tenant, other_tenant: Tenant) -> None:
    shop(other_tenant)
    sale = {"transaction_id": "SHARED-1", "items": [{"line_id": "1", "code": "X", "amount": "1.00"}]}
    assert other_tenant.client.post("/v1/purchases", json=sale, headers=other_tenant.pos).status_code == 201
    found = tenant.client.get("/v1/purchases", params={"transaction_id": "shared-1"}, headers=tenant.pos)
    assert found.json() == []


def _pay(tenant: Tenant, member_id: str, transaction_id: str, amount: str, wallet: str = "points") -> dict[str, Any]:
    paid = tenant.client.post(
        "/v1/payments",
        json={"member_id": member_id, "transaction_id": transaction_id, "amount": amount, "wallet": wallet},
        headers=tenant.pos | {"Idempotency-Key": f"pay-{transaction_id}-{wallet}"},
    )
    assert paid.status_code == 201, paid.text
    return dict(paid.json())


def test_the_till_lists_its_open_payments_until_their_sale_is_confirmed_or_they_are_given_back(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    shop(tenant, point_value="0.10")
    ada = register(tenant, "079 555 01 01", first_name="Ada", last_name="Lovelace")
    adjust(tenant, ada["id"], "100")
    lost = _pay(tenant, ada["id"], "LOST-1", "2.00")
    kept = _pay(tenant, ada["id"], "KEPT-1", "1.00")
    listed = tenant.client.get("/v1/payments", headers=tenant.pos)
    assert listed.status_code == 200, listed.text
    assert [
        (one["id"], one["transaction_id"], one["amount"], one["points_used"], one["wallet"]) for one in listed.json()
    ] == [
        (lost["id"], "LOST-1", "2.00", "20.00", "points"),
        (kept["id"], "KEPT-1", "1.00", "10.00", "points"),
    ]
    assert listed.json()[0]["member_name"] == "Ada Lovelace"

    confirmed = {
        "transaction_id": "KEPT-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "TICKET", "amount": "5.00"}],
        "payments": [{"mop": "points", "amount": "1.00"}, {"mop": "cash", "amount": "4.00"}],
    }
    assert tenant.client.post("/v1/purchases", json=confirmed, headers=tenant.pos).status_code == 201
    back = tenant.client.post(f"/v1/payments/{lost['id']}/cancel", headers=tenant.pos)
    assert back.status_code == 200 and back.json()["status"] == "cancelled"
    assert tenant.client.get("/v1/payments", headers=tenant.pos).json() == []
    assert tenant.client.get("/v1/payments", headers=other_tenant.pos).json() == []


def test_open_payments_are_a_tills_own_and_refused_to_an_admin_key(tenant: Tenant, other_tenant: Tenant) -> None:
    shop(tenant, point_value="0.10")
    ada = register(tenant, "079 555 01 01")
    adjust(tenant, ada["id"], "100")
    _pay(tenant, ada["id"], "LOST-2", "2.00")
    assert tenant.client.get("/v1/payments", headers=tenant.admin).status_code == 403
    assert tenant.client.get("/v1/payments", headers=other_tenant.pos).json() == []
    assert tenant.client.get("/v1/payments").status_code == 401


def test_a_member_says_until_when_the_pending_points_wait(tenant: Tenant) -> None:
    shop(tenant, points_pending_days=14)
    ada = register(tenant, "079 555 01 01")
    before = tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos).json()
    assert before["points_pending"] == "0.00" and before["pending_until"] is None
    buy(tenant, ada["id"], "30.00")
    shown = tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos).json()
    assert shown["points_pending"] == "30.00"
    until = datetime.fromisoformat(shown["pending_until"])
    assert abs(until - (datetime.now(UTC) + timedelta(days=14))) < timedelta(minutes=5)


def test_a_sale_listed_says_the_points_its_returns_took_back(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant, "079 555 01 01")
    sale = buy(tenant, ada["id"], "30.00")  # two units, 30 points
    returned = {"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]}
    back = tenant.client.post(f"/v1/purchases/{sale['id']}/returns", json=returned, headers=tenant.pos)
    assert back.status_code == 201, back.text
    (listed,) = tenant.client.get("/v1/purchases", headers=tenant.pos).json()
    assert (listed["points_earned"], listed["points_returned"]) == ("30.00", "15.00")
    shown = tenant.client.get(f"/v1/purchases/{sale['id']}", headers=tenant.pos).json()
    assert (shown["points_earned"], shown["points_returned"]) == ("30.00", "15.00")
