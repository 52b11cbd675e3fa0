"""Deals over HTTP: automatic member discounts in quotes and purchases, before benefits and codes."""

from __future__ import annotations

from typing import Any

from tests.conftest import Tenant
from tests.support.people import benefit, register


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def deal_rule(tenant: Tenant, **extra: Any) -> dict[str, Any]:
    body = {
        "name": "Club deal: 20% off cake",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "discount", "discount": {"percent": "20"}, "items": {"codes": ["CAKE"]}}],
    } | extra
    return ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=body), 201)


def earn_rule(tenant: Tenant) -> None:
    body = {
        "name": "1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=body), 201)


def sale(transaction_id: str, member_id: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "COFFEE", "amount": "4.00"},
            {"line_id": "2", "code": "CAKE", "amount": "6.00"},
        ],
    } | extra


def test_a_member_gets_the_deal_in_the_quote_and_the_purchase_and_earns_on_what_is_left(tenant: Tenant):
    deal = deal_rule(tenant)
    earn_rule(tenant)
    ada = register(tenant)
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale("T-1", ada["id"])))
    assert quote["discounts"] == [
        {
            "source": "deal",
            "id": deal["id"],
            "name": "Club deal: 20% off cake",
            "amount": "1.20",
            "lines": [{"line_id": "2", "amount": "1.20"}],
        }
    ]
    assert (quote["discount_total"], quote["total"], quote["points_earned"]) == ("1.20", "8.80", "8.00")
    done = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"])), 201)
    assert done["discounts"] == quote["discounts"]
    assert (done["total"], done["points_earned"], done["points_balance"]) == ("8.80", "8.00", "8.00")


def test_a_sale_without_a_member_gets_no_deal(tenant: Tenant):
    deal_rule(tenant)
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale("T-1", None)))
    assert quote["discounts"] == []
    assert quote["total"] == "10.00"


def test_deals_come_before_wallet_benefits_and_codes(tenant: Tenant):
    deal_rule(tenant)
    ada = register(tenant)
    five_off = benefit(tenant, name="5.00 off cake", discount={"amount": "5.00"}, items={"codes": ["CAKE"]})
    asset = ok(
        tenant.client.post(
            f"/v1/members/{ada['id']}/benefits", headers=tenant.admin, json={"benefit_id": five_off["id"]}
        ),
        201,
    )
    ok(tenant.client.post("/v1/codes", headers=tenant.admin, json={"code": "CAKE1", "benefit_id": five_off["id"]}), 201)
    body = sale("T-1", ada["id"], benefits=[asset["id"]], codes=["CAKE1"])
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=body))
    assert [(d["source"], d["amount"]) for d in quote["discounts"]] == [
        ("deal", "1.20"),
        ("benefit", "4.80"),  # all the deal left of the cake
    ]
    assert quote["rejected"][0]["code"] == "CAKE1"  # nothing is left of the cake for the code
    assert quote["total"] == "4.00"


def test_a_deal_limited_to_once_a_day_applies_once(tenant: Tenant):
    deal_rule(tenant, limits={"per_member": 1, "period": "day"})
    ada = register(tenant)
    first = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"])), 201)
    second = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-2", ada["id"])), 201)
    assert first["discount_total"] == "1.20"
    assert second["discount_total"] == "0.00"
    ok(tenant.client.post(f"/v1/purchases/{first['id']}/cancel", headers=tenant.pos))
    again = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-3", ada["id"])), 201)
    assert again["discount_total"] == "1.20"  # the cancel gave the day's use back


def test_a_deal_for_tagged_members_only(tenant: Tenant):
    deal_rule(tenant, conditions={"member_tags": ["VIP"]})
    plain = register(tenant)
    vip = register(tenant, "+41 79 765 43 21", tags=["VIP"])
    assert ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale("T", plain["id"])))["discounts"] == []
    assert (
        ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale("T", vip["id"])))["discount_total"] == "1.20"
    )


def test_a_bad_deal_is_a_422_naming_the_field(tenant: Tenant):
    body = {
        "name": "bad",
        "trigger": "purchase",
        "actions": [{"type": "discount", "discount": {"amount": "1.005"}}],
    }
    answer = tenant.client.post("/v1/rules", headers=tenant.admin, json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "actions.0.discount.amount"
