"""Each change the spec names writes its event, with the data a venue's other systems need."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.wallet.lots import expiry
from tests.conftest import Tenant
from tests.lots.helpers import buy, settings
from tests.ops.hooks import deliver, subscribe
from tests.ops.receiver import Receiver
from tests.support.people import benefit, register


def events(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(body) for body in receiver.bodies()]


def test_a_members_life_in_events(venue: Tenant, db: Database) -> None:
    assert (
        venue.client.put("/v1/tiers", json=[{"name": "Silver", "threshold": "10"}], headers=venue.admin).status_code
        == 200
    )
    settings(venue, points_expire_after_days=30)
    gift = benefit(venue)
    with Receiver() as receiver:
        subscribe(venue, receiver.url)
        ada = register(venue)
        changed = venue.client.patch(f"/v1/members/{ada['id']}", json={"first_name": "Ada"}, headers=venue.admin)
        assert changed.status_code == 200, changed.text
        granted = venue.client.post(
            f"/v1/members/{ada['id']}/benefits", json={"benefit_id": gift["id"]}, headers=venue.admin
        )
        assert granted.status_code == 201, granted.text
        bought = buy(venue, ada["id"], "12.00")
        cancelled = venue.client.post(f"/v1/purchases/{bought['id']}/cancel", headers=venue.pos)
        assert cancelled.status_code == 200, cancelled.text
        topped = venue.client.post(
            f"/v1/members/{ada['id']}/credit",
            json={"amount": "20.00"},
            headers=venue.pos | {"Idempotency-Key": "top-up-1"},
        )
        assert topped.status_code == 201, topped.text
        second = buy(venue, ada["id"], "7.00")
        returned = venue.client.post(
            f"/v1/purchases/{second['id']}/returns",
            headers=venue.pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        )
        assert returned.status_code == 201, returned.text
        used = venue.client.post(
            "/v1/purchases",
            headers=venue.pos,
            json={
                "transaction_id": "T-gift",
                "member_id": ada["id"],
                "items": [{"line_id": "1", "code": "COFFEE", "quantity": 1, "amount": "4.00"}],
                "payments": [{"mop": "cash", "amount": "3.60"}],
                "benefits": [granted.json()["id"]],
            },
        )
        assert used.status_code == 201, used.text
        expiry.run(db, at=now() + timedelta(days=31))
        deliver(db)
        seen = events(receiver)

    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in seen:
        by_type.setdefault(event["type"], []).append(event["data"])
    assert by_type["member.created"][0]["member_id"] == ada["id"]
    assert by_type["member.updated"][0]["changed"] == ["first_name"]
    assert by_type["member.updated"][0]["first_name"] == "Ada"
    assert by_type["benefit.granted"][0]["benefit_id"] == gift["id"]
    assert by_type["purchase.confirmed"][0]["purchase_id"] == bought["id"]
    assert by_type["purchase.cancelled"][0]["purchase_id"] == bought["id"]
    assert by_type["tier.changed"][0] == {"member_id": ada["id"], "tier": "Silver", "previous": None}
    assert by_type["credit.topped_up"][0]["amount"] == "20.00"
    returned_data = by_type["purchase.returned"][0]
    assert (returned_data["purchase_id"], returned_data["return_id"]) == (second["id"], "R-1")
    assert returned_data["points_taken_back"] == returned.json()["points_taken_back"]
    assert by_type["benefit.redeemed"][0]["asset_id"] == granted.json()["id"]
    assert by_type["benefit.redeemed"][0]["status"] == "redeemed"
    assert by_type["points.expired"][0]["member_id"] == ada["id"]
    assert all(event["timestamp"] for event in seen)
