"""A till finds its past sales (today's, or by transaction id or member), opens one, returns some of its lines and
cancels it; returns and cancels give back exactly what was recorded. The business names its means of payment."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from tests.conftest import Tenant


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def shop(tenant: Tenant) -> dict[str, Any]:
    """One point per 1.00 paid other than with points; a member with 50 points."""
    client, admin = tenant.client, tenant.admin
    ok(
        client.post(
            "/v1/rules",
            headers=admin,
            json={
                "name": "1 point per 1.00",
                "trigger": "purchase",
                "status": "active",
                "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
            },
        ),
        201,
    )
    member = ok(client.post("/v1/members", headers=admin, json={"phone": "079 555 08 08", "first_name": "Ada"}), 201)
    ok(
        client.post(f"/v1/members/{member['id']}/adjustments", headers=admin, json={"points": "50", "reason": "gift"}),
        201,
    )
    return dict(member)


def sale(member_id: str | None, transaction_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "TICKET", "name": "Ticket", "quantity": 3, "amount": "45.00"},
            {"line_id": "2", "code": "POPCORN", "name": "Popcorn", "quantity": 1, "amount": "7.00"},
        ],
        **extra,
    }


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.pos))["points_balance"])


def test_todays_sales_of_this_till_are_listed_newest_first_and_found_by_transaction_or_member(
    tenant: Tenant,
) -> None:
    member = shop(tenant)
    client, pos = tenant.client, tenant.pos
    first = ok(client.post("/v1/purchases", headers=pos, json=sale(member["id"], "S-1")), 201)
    second = ok(client.post("/v1/purchases", headers=pos, json=sale(None, "S-2")), 201)
    listed = ok(client.get("/v1/purchases", headers=pos))
    assert [entry["id"] for entry in listed] == [second["id"], first["id"]]
    assert listed[1] | {} == listed[1] and listed[1]["total"] == "52.00" and listed[1]["status"] == "completed"
    by_transaction = ok(client.get("/v1/purchases", headers=pos, params={"transaction_id": " S-1 "}))
    assert [entry["id"] for entry in by_transaction] == [first["id"]]
    by_member = ok(client.get("/v1/purchases", headers=pos, params={"member_id": member["id"]}))
    assert [entry["id"] for entry in by_member] == [first["id"]]
    bad = client.get("/v1/purchases", headers=pos, params={"member_id": "not-an-id"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "member_id"


def test_a_return_and_a_cancel_from_the_sales_list_give_back_exactly_what_was_recorded(tenant: Tenant) -> None:
    member = shop(tenant)
    client, pos = tenant.client, tenant.pos
    paid = ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "pay-S-3"},
            json={"member_id": member["id"], "transaction_id": "S-3", "amount": "12.00", "purchase": sale(None, "S-3")},
        ),
        201,
    )
    assert paid["amount"] == "12.00"
    body = sale(
        member["id"], "S-3", payments=[{"mop": "card", "amount": "40.00"}, {"mop": "points", "amount": "12.00"}]
    )
    confirmed = ok(client.post("/v1/purchases", headers=pos, json=body), 201)
    assert confirmed["payments"] == [{"mop": "card", "amount": "40.00"}, {"mop": "points", "amount": "12.00"}]
    assert Decimal(confirmed["points_earned"]) == 52
    after_sale = balance(tenant, member["id"])
    assert after_sale == 50 - 12 + 52

    found = ok(client.get("/v1/purchases", headers=pos, params={"transaction_id": "S-3"}))
    opened = ok(client.get(f"/v1/purchases/{found[0]['id']}", headers=pos))
    assert opened["payments"] == confirmed["payments"] and opened["earned"] == confirmed["earned"]
    tickets = opened["lines"][0]
    assert (tickets["line_id"], tickets["quantity"], tickets["returned_quantity"]) == ("1", "3", "0")
    assert Decimal(tickets["points_earned"]) == 45

    returned = ok(
        client.post(
            f"/v1/purchases/{opened['id']}/returns",
            headers=pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        ),
        201,
    )
    assert Decimal(returned["points_taken_back"]) == 15
    assert balance(tenant, member["id"]) == after_sale - 15
    reopened = ok(client.get(f"/v1/purchases/{opened['id']}", headers=pos))
    assert reopened["lines"][0]["returned_quantity"] == "1" and Decimal(reopened["lines"][0]["points_returned"]) == 15

    cancelled = ok(client.post(f"/v1/purchases/{opened['id']}/cancel", headers=pos))
    assert cancelled["status"] == "cancelled"
    # Everything undone: the 52 earned are taken back (15 already by the return), the 12 paid come back.
    assert balance(tenant, member["id"]) == 50
    assert ok(client.get(f"/v1/purchases/{opened['id']}", headers=pos))["status"] == "cancelled"


def test_another_business_sale_is_404_and_never_listed(tenant: Tenant, other_tenant: Tenant) -> None:
    member = shop(tenant)
    mine = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(member["id"], "S-4")), 201)
    assert other_tenant.client.get(f"/v1/purchases/{mine['id']}", headers=other_tenant.pos).status_code == 404
    assert (
        ok(other_tenant.client.get("/v1/purchases", headers=other_tenant.pos, params={"transaction_id": "S-4"})) == []
    )
    missing = tenant.client.get(f"/v1/purchases/{uuid.uuid4()}", headers=tenant.pos)
    assert missing.status_code == 404


def test_the_business_names_its_means_of_payment_and_the_till_reads_them(tenant: Tenant) -> None:
    client = tenant.client
    assert ok(client.get("/v1/means-of-payment", headers=tenant.pos)) == {"means_of_payment": ["cash", "card"]}
    changed = ok(
        client.patch(
            "/v1/business", headers=tenant.admin, json={"means_of_payment": [" Cash ", "card", "Gift  card", "voucher"]}
        )
    )
    assert changed["means_of_payment"] == ["Cash", "card", "Gift card", "voucher"]
    assert ok(client.get("/v1/means-of-payment", headers=tenant.pos))["means_of_payment"] == changed["means_of_payment"]


def test_means_of_payment_refuse_empty_twice_reserved_and_overlong_names_naming_the_field(tenant: Tenant) -> None:
    for names, field in [
        ([], "means_of_payment"),
        (["cash", "CASH"], "means_of_payment.1"),
        (["card", "Points"], "means_of_payment.1"),
        (["credit"], "means_of_payment.0"),
        (["  "], "means_of_payment.0"),
        (["x" * 65], "means_of_payment.0"),
    ]:
        refused = tenant.client.patch("/v1/business", headers=tenant.admin, json={"means_of_payment": names})
        assert refused.status_code == 422, names
        assert refused.json()["error"]["details"]["field"] == field, names
    assert tenant.client.patch("/v1/business", headers=tenant.pos, json={"means_of_payment": ["x"]}).status_code == 403
