"""Punch cards at a real till, through `/v1` and the Como API.

- On a Simple Mode card, returning 1 of the 2 tickets of one visit took the visit's punch back: only returning the
  whole visit does now.
- The till merges identical products into one line, so a reward coffee sold beside a paid one (one line of 2, the
  reward taking one off) punched twice and earned points per coffee on both: units a loyalty discount makes wholly
  free neither punch nor count for points per item (`rules.facts.paid_quantity`).
"""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.db.engine import Database
from tests.como.helpers import ComoTill, line, purchase
from tests.conftest import Tenant
from tests.support.people import active_rule, benefit, register

PHONE = "079 555 03 03"
DOORS = ["v1", "como"]


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def card(tenant: Tenant, code: str, **fields: Any) -> dict[str, Any]:
    reward = benefit(tenant, name=f"Free {code.lower()}", kind="free_item", discount=None, items={"codes": [code]})
    body = {
        "name": f"{code} card",
        "punches_required": 5,
        "items": {"codes": [code]},
        "mode": "repeat",
        "every": 1,
        "reward_benefit_id": reward["id"],
        "status": "active",
    } | fields
    ok(tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=body), 201)
    return reward


def punches(tenant: Tenant, member_id: str) -> int:
    cards = ok(tenant.client.get(f"/v1/members/{member_id}/punch-cards", headers=tenant.pos))
    return sum(int(found["punches"]) for found in cards)


def sell(
    tenant: Tenant,
    door: str,
    member: dict[str, Any],
    txn: str,
    code: str,
    quantity: int,
    cents: int,
    assets: list[str] = (),
) -> str:  # type: ignore[assignment]
    if door == "v1":
        body = {
            "transaction_id": txn,
            "member_id": member["id"],
            "items": [{"line_id": "1", "code": code, "quantity": quantity, "amount": f"{cents / 100:.2f}"}],
            "benefits": list(assets),
        }
        return str(ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=body), 201)["id"])
    till = ComoTill(tenant.client, tenant.pos_key)
    body = {
        "customers": [{"phoneNumber": PHONE}],
        "purchase": purchase(txn, items=[line("1", code, "shop", quantity, cents)]),
        "redeemAssets": [{"key": asset} for asset in assets],
    }
    return str(till.post("submitPurchase", body)["confirmation"])


def give_back(tenant: Tenant, door: str, txn: str, purchase_id: str, code: str, quantity: int, return_id: str) -> None:
    if door == "v1":
        body = {"return_id": return_id, "lines": [{"line_id": "1", "quantity": quantity}]}
        ok(tenant.client.post(f"/v1/purchases/{purchase_id}/returns", headers=tenant.pos, json=body), 201)
        return
    till = ComoTill(tenant.client, tenant.pos_key)
    items = [line("1", code, "shop", -quantity, 0)]
    till.post(
        "submitPurchase",
        {"customers": [{"phoneNumber": PHONE}], "purchase": purchase(return_id, items=items, relatedTransaction=txn)},
    )


@pytest.mark.parametrize("door", DOORS)
def test_returning_one_ticket_of_two_keeps_the_visits_punch_on_a_simple_card(tenant: Tenant, door: str) -> None:
    card(tenant, "TICKET", mode="simple", every=None, punches=1)
    member = register(tenant, PHONE)
    sold = sell(tenant, door, member, "VISIT-1", "TICKET", 2, 3000)
    assert punches(tenant, member["id"]) == 1
    give_back(tenant, door, "VISIT-1", sold, "TICKET", 1, "R-1")
    assert punches(tenant, member["id"]) == 1  # one ticket is still a visit
    give_back(tenant, door, "VISIT-1", sold, "TICKET", 1, "R-2")
    assert punches(tenant, member["id"]) == 0  # the whole visit is back


@pytest.mark.parametrize("door", DOORS)
def test_a_reward_coffee_merged_with_a_paid_one_punches_once_and_earns_for_one(
    db: Database, tenant: Tenant, door: str
) -> None:
    reward = card(tenant, "COFFEE")
    active_rule(
        db,
        tenant,
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "repeat", "points": "3", "every": "1", "items": {"codes": ["COFFEE"]}}],
    )
    member = register(tenant, PHONE)
    gift = ok(
        tenant.client.post(
            f"/v1/members/{member['id']}/benefits", headers=tenant.admin, json={"benefit_id": reward["id"]}
        ),
        201,
    )
    sell(tenant, door, member, "MERGED-1", "COFFEE", 2, 900, assets=[gift["id"]])  # one line: 2 coffees, one free
    assert punches(tenant, member["id"]) == 1
    shown = ok(tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin))
    assert shown["points_balance"] == "3.00"  # 3 points for the coffee paid, none for the free one
    # A discount that frees no whole unit leaves both counted.
    sell(tenant, door, member, "PAID-2", "COFFEE", 2, 900)
    assert punches(tenant, member["id"]) == 3
