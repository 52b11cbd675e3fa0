"""Shared bits of the Campaign Center API tests: the acceptance cases and a few rule bodies."""

from __future__ import annotations

from typing import Any

from tests.conftest import Tenant
from tests.support.acceptance import CASES

PURCHASE_CASES = [case for case in CASES if "purchase" in case]
JOINED_CASES = [case for case in CASES if "register" in case]


def dairy_rate(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": "Dairy: 1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [
            {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "items": {"departments": ["dairy"]}}
        ],
    }
    return rule | changes


def dairy_basket(amount: str = "2.50", transaction_id: str = "TRY-1") -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "items": [{"line_id": "1", "code": "MILK", "department": "dairy", "quantity": 1, "amount": amount}],
        "payments": [{"mop": "cash", "amount": amount}],
    }


def create(tenant: Tenant, rule: dict[str, Any]) -> dict[str, Any]:
    made = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin)
    assert made.status_code == 201, made.text
    return dict(made.json())


def simulate(tenant: Tenant, body: dict[str, Any]) -> dict[str, Any]:
    answer = tenant.client.post("/v1/rules/simulate", json=body, headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def register(tenant: Tenant, phone: str, **fields: Any) -> dict[str, Any]:
    made = tenant.client.post("/v1/members", json={"phone": phone, **fields}, headers=tenant.admin)
    assert made.status_code == 201, made.text
    return dict(made.json())
