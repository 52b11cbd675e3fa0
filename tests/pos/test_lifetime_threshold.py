"""A purchase that lifts a member's lifetime points over a threshold fires that rule once, in the same purchase;
purchases below it, and after it, give only their own points."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from tests.conftest import Tenant


def _buy(tenant: Tenant, member_id: str, amount: str) -> dict[str, Any]:
    body = {
        "transaction_id": f"t-{uuid.uuid4().hex}",
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "MILK", "amount": amount}],
    }
    confirmed = tenant.client.post("/v1/purchases", json=body, headers=tenant.pos)
    assert confirmed.status_code == 201, confirmed.text
    return dict(confirmed.json())


def test_a_purchase_crossing_a_lifetime_threshold_earns_its_bonus_once(tenant: Tenant) -> None:
    rules = [
        {
            "name": "1 point per 1.00",
            "trigger": "purchase",
            "status": "active",
            "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
        },
        {
            "name": "50 lifetime points: 10 bonus",
            "trigger": "lifetime_points",
            "status": "active",
            "conditions": {"lifetime_points_at_least": "50"},
            "actions": [{"type": "add_points", "mode": "fixed", "points": "10"}],
        },
    ]
    for rule in rules:
        made = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin)
        assert made.status_code == 201, made.text
    member = tenant.client.post("/v1/members", json={"phone": "+41 79 555 07 07"}, headers=tenant.admin).json()
    below = _buy(tenant, member["id"], "40.00")
    assert Decimal(below["points_earned"]) == 40
    crossing = _buy(tenant, member["id"], "20.00")
    assert Decimal(crossing["points_earned"]) == 30
    names = [earned["rule_name"] for earned in crossing["earned"]]
    assert names == ["1 point per 1.00", "50 lifetime points: 10 bonus"]
    after = _buy(tenant, member["id"], "20.00")
    assert Decimal(after["points_earned"]) == 20
    assert Decimal(after["points_balance"]) == 40 + 30 + 20
