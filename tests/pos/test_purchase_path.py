"""The purchase path's shortcuts keep their promises: the answer is stored as the bytes sent, and what a sale
remembers per business (no punch cards, no tiers) is forgotten the moment an admin adds them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Text, cast, select

from loyalty.api.v1.pos import QuoteOut
from loyalty.db.engine import Database
from loyalty.db.models import Purchase
from tests.conftest import Tenant
from tests.lots.helpers import buy, member, register, shop
from tests.pos.test_punch_cards import coffee_card
from tests.pos.test_punch_cards import sale as coffee_sale

LADDER = [{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "500"}]


def ok(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_stored_answer_is_the_bytes_sent_and_a_replay_sends_them_again(tenant: Tenant, db: Database) -> None:
    shop(tenant)
    ada = register(tenant)
    body = coffee_sale(f"T-{uuid.uuid4().hex[:8]}", ada["id"], coffees=2)
    first = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    again = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content
    with db.read() as session:
        stored = session.scalar(
            select(cast(Purchase.response, Text)).where(Purchase.id == uuid.UUID(first.json()["id"]))
        )
    assert stored is not None and stored.encode() == first.content


def test_a_refused_sale_leaves_no_purchase_behind_and_can_be_sent_again_corrected(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    body = coffee_sale("T-DECIMALS", ada["id"]) | {"payments": [{"mop": "card", "amount": "4.001"}]}
    refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert refused.status_code == 422 and "payments.0.amount" in refused.text
    body["payments"] = [{"mop": "card", "amount": "10.00"}]
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=body), 201)


def test_a_punch_card_made_after_sales_punches_from_the_next_sale(tenant: Tenant) -> None:
    ada = register(tenant)
    before = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=coffee_sale("T-1", ada["id"])), 201)
    assert before["punches"] == []  # the business has no card yet, and a sale remembers that
    card, _ = coffee_card(tenant)
    after = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=coffee_sale("T-2", ada["id"])), 201)
    assert [(punch["punch_card_id"], punch["punches"]) for punch in after["punches"]] == [(card["id"], 1)]


def test_tiers_set_after_sales_are_reached_by_the_next_sale(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    buy(tenant, ada["id"], "20.00")  # no tiers yet, and a sale remembers that
    ok(tenant.client.put("/v1/tiers", json=LADDER, headers=tenant.admin), 200)
    buy(tenant, ada["id"], "120.00")
    shown = member(tenant, ada["id"])
    # Kept until the window ends: the sale wrote the tier it reached on the member.
    assert shown["tier"] == "Silver" and shown["tier_progress"]["kept_until"] is not None


def test_a_blocked_member_is_refused_but_their_earlier_sale_still_replays(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    body = coffee_sale("T-BEFORE", ada["id"])
    first = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert first.status_code == 201
    blocked = tenant.client.patch(f"/v1/members/{ada['id']}", headers=tenant.admin, json={"status": "blocked"})
    assert blocked.status_code == 200, blocked.text
    replay = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert (replay.status_code, replay.content) == (200, first.content)
    refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=coffee_sale("T-AFTER", ada["id"]))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "member_blocked"
    unknown = coffee_sale("T-NOBODY", str(uuid.uuid4()))
    assert tenant.client.post("/v1/purchases", headers=tenant.pos, json=unknown).status_code == 404


def test_a_quote_is_written_as_its_response_model_would_write_it(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    body = coffee_sale("T-QUOTE", ada["id"], coffees=3)
    body["items"][1]["name"] = "Crème brûlée, 200 g"
    body["codes"] = ["NO-SUCH-CODE"]
    quoted = tenant.client.post("/v1/quotes", headers=tenant.pos, json=body)
    assert quoted.status_code == 200 and quoted.headers["content-type"] == "application/json"
    as_model = QuoteOut.model_validate(quoted.json()).model_dump(mode="json")
    written = json.dumps(as_model, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    assert quoted.content == written
    assert quoted.json()["earned"] and quoted.json()["rejected"]  # the nested parts were there to compare
