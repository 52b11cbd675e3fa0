"""Every worked example of the Campaign Center article through confirmed purchases, points read back from the member."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Tenant
from tests.support.acceptance import CASES


def register(tenant: Tenant, phone: str, **fields: Any) -> dict[str, Any]:
    made = tenant.client.post("/v1/members", json={"phone": phone, **fields}, headers=tenant.admin)
    assert made.status_code == 201, made.text
    return dict(made.json())


def add_rules(tenant: Tenant, rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        made = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin)
        assert made.status_code == 201, made.text


@pytest.mark.parametrize("case", CASES, ids=[case["name"][:60] for case in CASES])
def test_seed_example_earns_exactly_through_a_confirmed_purchase(tenant: Tenant, case: dict[str, Any]) -> None:
    add_rules(tenant, case["rules"])
    if "register" in case:
        member = register(tenant, **case["register"])
        shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()
        assert Decimal(shown["points_balance"]) == Decimal(case["expect"]["points_balance_after_registration"])
        return
    member = register(tenant, "+41 79 555 02 02")
    body = {**case["purchase"], "member_id": member["id"]}
    confirmed = tenant.client.post("/v1/purchases", json=body, headers=tenant.pos)
    assert confirmed.status_code == 201, confirmed.text
    expected = Decimal(case["expect"]["points_earned"])
    assert Decimal(confirmed.json()["points_earned"]) == expected
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()
    assert Decimal(shown["points_balance"]) == expected
    assert Decimal(shown["lifetime_points"]) == expected
