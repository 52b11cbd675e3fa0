"""The cashier's flow end to end over HTTP: find the member, quote with a benefit and a code, pay part with
points, confirm, read the balance, return lines, cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Tenant

PHONE = "079 555 03 03"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def shop(tenant: Tenant) -> dict[str, Any]:
    """A cinema bar: 10% back in points on everything but alcohol and points payments; a benefit and a code."""
    client, admin = tenant.client, tenant.admin
    ok(
        client.post(
            "/v1/rules",
            headers=admin,
            json={
                "name": "10% back",
                "trigger": "purchase",
                "status": "active",
                "actions": [
                    {
                        "type": "add_points",
                        "mode": "percent",
                        "percent": "10",
                        "exclude_items": {"tags": ["alcohol"]},
                        "exclude_mops": ["points"],
                    }
                ],
            },
        ),
        201,
    )
    popcorn = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "Free popcorn", "kind": "free_item", "items": {"codes": ["POPCORN"]}, "max_units": 1},
        ),
        201,
    )
    tenth = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "10% off", "kind": "discount", "discount": {"percent": "10", "max": "20.00"}},
        ),
        201,
    )
    ok(
        client.post(
            "/v1/codes",
            headers=admin,
            json={"code": "SUMMER10", "benefit_id": tenth["id"], "max_uses": 100, "max_uses_per_member": 1},
        ),
        201,
    )
    member = ok(client.post("/v1/members", headers=admin, json={"phone": PHONE, "first_name": "Ada"}), 201)
    asset = ok(
        client.post(f"/v1/members/{member['id']}/benefits", headers=admin, json={"benefit_id": popcorn["id"]}), 201
    )
    ok(
        client.post(
            f"/v1/members/{member['id']}/adjustments", headers=admin, json={"points": "20", "reason": "welcome gift"}
        ),
        201,
    )
    return {"member": member, "asset": asset}


def sale(member_id: str, transaction_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "TICKET", "department": "tickets", "quantity": 2, "amount": "30.00"},
            {"line_id": "2", "code": "POPCORN", "department": "snacks", "quantity": 1, "amount": "6.00"},
            {"line_id": "3", "code": "BEER", "department": "bar", "quantity": 1, "amount": "4.00", "tags": ["alcohol"]},
        ],
        **extra,
    }


def test_a_cashier_finds_the_member_applies_a_benefit_and_a_code_pays_with_points_and_confirms(tenant: Tenant) -> None:
    made = shop(tenant)
    client, pos = tenant.client, tenant.pos
    member_id, asset_id = made["member"]["id"], made["asset"]["id"]

    by_phone = ok(client.post("/v1/identify", headers=pos, json={"phone": "+41795550303"}))
    assert by_phone["id"] == member_id and "555" not in by_phone["phone"]
    code = ok(client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    assert ok(client.post("/v1/identify", headers=pos, json={"code": code["code"]}))["id"] == member_id

    quoted = ok(
        client.post("/v1/quotes", headers=pos, json=sale(member_id, "T-1", benefits=[asset_id], codes=[" summer10 "]))
    )
    assert quoted["rejected"] == []
    # Free popcorn takes 6.00 off line 2; then 10% of what is left (30 + 0 + 4) = 3.40 spread over lines 1 and 3.
    assert [discount["amount"] for discount in quoted["discounts"]] == ["6.00", "3.40"]
    assert quoted["total"] == "30.60"
    popcorn_lines = quoted["discounts"][0]["lines"]
    assert popcorn_lines == [{"line_id": "2", "amount": "6.00"}]

    paid = ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "T-1-pay-1"},
            json={"member_id": member_id, "transaction_id": "T-1", "amount": "5.00"},
        ),
        201,
    )
    assert paid["amount"] == "5.00" and Decimal(paid["points_used"]) == 5 and Decimal(paid["points_balance"]) == 15

    body = sale(
        member_id,
        "T-1",
        benefits=[asset_id],
        codes=["SUMMER10"],
        payments=[{"mop": "card", "amount": "25.60"}, {"mop": "points", "amount": "5.00"}],
    )
    confirmed = ok(client.post("/v1/purchases", headers=pos, json=body), 201)
    # Eligible: tickets after discounts 30.00 - 3.00 = 27.00 (beer excluded), times the share paid by card
    # 25.60 / 30.60; 10% of that, rounded down to the hundredth.
    included = Decimal("27.00") * Decimal("25.60") / Decimal("30.60")
    expected = (included / 10).quantize(Decimal("0.01"), rounding="ROUND_FLOOR")
    assert Decimal(confirmed["points_earned"]) == expected
    assert confirmed["redeemed"] == [asset_id] and confirmed["codes_used"] == ["SUMMER10"]
    assert "10%" in confirmed["earned"][0]["explanation"]
    assert Decimal(confirmed["points_balance"]) == 15 + expected

    member = ok(client.get(f"/v1/members/{member_id}", headers=pos))
    assert Decimal(member["points_balance"]) == 15 + expected
    popcorn = next(benefit for benefit in member["benefits"] if benefit["id"] == asset_id)
    assert popcorn["status"] == "redeemed" and popcorn["redeemable"] is False

    again = ok(
        client.post("/v1/quotes", headers=pos, json=sale(member_id, "T-2", benefits=[asset_id], codes=["SUMMER10"]))
    )
    assert {tuple(sorted(rejection)) for rejection in again["rejected"]} == {("id", "reason"), ("code", "reason")}

    returned = ok(
        client.post(
            f"/v1/purchases/{confirmed['id']}/returns",
            headers=pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        ),
        201,
    )
    ticket_points = next(line for line in confirmed["earned"][0]["lines"] if line["line_id"] == "1")["points"]
    assert Decimal(returned["points_taken_back"]) == (Decimal(ticket_points) / 2).quantize(
        Decimal("0.01"), rounding="ROUND_FLOOR"
    )

    cancelled = ok(client.post(f"/v1/purchases/{confirmed['id']}/cancel", headers=pos))
    assert cancelled["status"] == "cancelled"
    member = ok(client.get(f"/v1/members/{member_id}", headers=pos))
    assert Decimal(member["points_balance"]) == 20  # earned points back out, paid points given back
    popcorn = next(benefit for benefit in member["benefits"] if benefit["id"] == asset_id)
    assert popcorn["status"] == "active" and popcorn["redeemable"] is True
    assert ok(client.post(f"/v1/purchases/{confirmed['id']}/cancel", headers=pos))["status"] == "cancelled"
    assert Decimal(ok(client.get(f"/v1/members/{member_id}", headers=pos))["points_balance"]) == 20


def test_a_replayed_purchase_answers_the_same_and_a_changed_one_is_refused(tenant: Tenant) -> None:
    made = shop(tenant)
    body = sale(made["member"]["id"], "T-9", payments=[{"mop": "cash", "amount": "40.00"}])
    first = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    second = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.content == second.content
    changed = tenant.client.post("/v1/purchases", headers=tenant.pos, json={**body, "items": body["items"][:1]})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "transaction_conflict"


def test_a_purchase_without_a_member_is_recorded_and_earns_nothing(tenant: Tenant) -> None:
    shop(tenant)
    body = sale("", "T-anon")
    body["member_id"] = None
    confirmed = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=body), 201)
    assert confirmed["member_id"] is None and Decimal(confirmed["points_earned"]) == 0


def test_paying_more_points_than_the_balance_pays_what_the_balance_covers(tenant: Tenant) -> None:
    made = shop(tenant)
    paid = ok(
        tenant.client.post(
            "/v1/payments",
            headers=tenant.pos | {"Idempotency-Key": "T-3-pay-1"},
            json={"member_id": made["member"]["id"], "transaction_id": "T-3", "amount": "50.00"},
        ),
        201,
    )
    assert paid["amount"] == "20.00" and Decimal(paid["points_balance"]) == 0
    refused = tenant.client.post(
        "/v1/payments",
        headers=tenant.pos | {"Idempotency-Key": "T-3-pay-2"},
        json={"member_id": made["member"]["id"], "transaction_id": "T-3", "amount": "1.00"},
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_points"
    cancelled = ok(tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos))
    assert cancelled["status"] == "cancelled" and Decimal(cancelled["points_balance"]) == 20


def test_a_payment_retried_with_its_idempotency_key_pays_once(tenant: Tenant) -> None:
    made = shop(tenant)
    body = {"member_id": made["member"]["id"], "transaction_id": "T-4", "amount": "3.00"}
    headers = tenant.pos | {"Idempotency-Key": "pay-T-4-1"}
    first = tenant.client.post("/v1/payments", headers=headers, json=body)
    second = tenant.client.post("/v1/payments", headers=headers, json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert (
        Decimal(ok(tenant.client.get(f"/v1/members/{made['member']['id']}", headers=tenant.pos))["points_balance"])
        == 17
    )


def test_more_decimals_than_the_currency_has_is_a_422_naming_the_line(tenant: Tenant) -> None:
    made = shop(tenant)
    body = sale(made["member"]["id"], "T-5")
    body["items"][1]["amount"] = "6.005"
    refused = tenant.client.post("/v1/quotes", headers=tenant.pos, json=body)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "items.1.amount"


def test_another_business_purchase_is_404(tenant: Tenant, other_tenant: Tenant) -> None:
    made = shop(tenant)
    confirmed = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(made["member"]["id"], "T-6")), 201)
    theirs = other_tenant.client.post(f"/v1/purchases/{confirmed['id']}/cancel", headers=other_tenant.pos)
    assert theirs.status_code == 404
    assert (
        tenant.client.post("/v1/purchases", headers=tenant.admin, json=sale(made["member"]["id"], "T-7")).status_code
        == 403
    )


def test_points_cannot_be_paid_for_a_transaction_already_confirmed(tenant: Tenant) -> None:
    made = shop(tenant)
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(made["member"]["id"], "T-10")), 201)
    late = tenant.client.post(
        "/v1/payments",
        headers=tenant.pos | {"Idempotency-Key": "T-10-pay-1"},
        json={"member_id": made["member"]["id"], "transaction_id": "T-10", "amount": "1.00"},
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "transaction_completed"
    assert (
        Decimal(ok(tenant.client.get(f"/v1/members/{made['member']['id']}", headers=tenant.pos))["points_balance"]) > 0
    )


def test_a_sale_confirmed_for_another_member_than_its_points_payment_is_refused(tenant: Tenant) -> None:
    made = shop(tenant)
    other = ok(tenant.client.post("/v1/members", headers=tenant.admin, json={"phone": "+41 79 555 07 07"}), 201)
    ok(
        tenant.client.post(
            "/v1/payments",
            headers=tenant.pos | {"Idempotency-Key": "T-11-pay-1"},
            json={"member_id": made["member"]["id"], "transaction_id": "T-11", "amount": "2.00"},
        ),
        201,
    )
    for member_id in (other["id"], None):
        body = sale(other["id"], "T-11")
        body["member_id"] = member_id
        refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_member_mismatch"
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(made["member"]["id"], "T-11")), 201)


def test_a_blocked_account_cannot_be_used_at_the_till(tenant: Tenant) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    ok(tenant.client.patch(f"/v1/members/{member_id}", headers=tenant.admin, json={"status": "blocked"}))
    for path, body in (
        ("/v1/quotes", sale(member_id, "T-12")),
        ("/v1/purchases", sale(member_id, "T-12")),
        ("/v1/payments", {"member_id": member_id, "transaction_id": "T-12", "amount": "1.00"}),
    ):
        refused = tenant.client.post(path, headers=tenant.pos | {"Idempotency-Key": "T-12-pay-1"}, json=body)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "member_blocked", path
    anonymous = sale(member_id, "T-12")
    anonymous["member_id"] = None
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=anonymous), 201)
