"""Deals and punch cards changed, stopped and resumed as the Campaign Center does it: admin keys only, each
business its own, and what a till gives follows at once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from loyalty.campaigns import center
from loyalty.db.engine import Database
from loyalty.errors import Forbidden
from loyalty.members.access import KeyKindRefused, Principal
from loyalty.wallet import templates
from tests.conftest import Tenant
from tests.pos.test_punch_cards import buy, coffee_card, ok
from tests.support.people import register

REFUSED = (KeyKindRefused, Forbidden)  # both answer 403 at a door
DEAL = {
    "name": "Gold: 20% off cola",
    "trigger": "purchase",
    "status": "active",
    "conditions": {"member_tags": ["gold"]},
    "actions": [{"type": "discount", "discount": {"percent": "20"}, "items": {"codes": ["COLA"]}}],
}


def quote_discount(tenant: Tenant, member_id: str) -> str:
    sale = {
        "transaction_id": "Q",
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "COLA", "amount": "5.00"}],
    }
    return str(ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale))["discount_total"])


def definition(card: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "punches_required", "items", "mode", "every", "punches", "reward_benefit_id", "valid_days")
    return {key: card[key] for key in keys}


def test_a_deal_changed_stopped_and_resumed_changes_what_the_till_gives_at_once(tenant: Tenant) -> None:
    deal = ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=DEAL), 201)
    ada = register(tenant, tags=["gold"])
    assert quote_discount(tenant, ada["id"]) == "1.00"
    changed = DEAL | {"actions": [{"type": "discount", "discount": {"amount": "2.00"}}], "revision": 1}
    assert ok(tenant.client.put(f"/v1/rules/{deal['id']}", headers=tenant.admin, json=changed))["revision"] == 2
    assert quote_discount(tenant, ada["id"]) == "2.00"
    assert ok(tenant.client.post(f"/v1/rules/{deal['id']}/stop", headers=tenant.admin))["status"] == "stopped"
    assert quote_discount(tenant, ada["id"]) == "0.00"
    assert ok(tenant.client.post(f"/v1/rules/{deal['id']}/activate", headers=tenant.admin))["status"] == "active"
    assert quote_discount(tenant, ada["id"]) == "2.00"


def test_only_an_admin_of_the_business_changes_stops_or_resumes_a_deal_or_a_card(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    deal = ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=DEAL), 201)
    card, _ = coffee_card(tenant)
    attempts = [
        ("PUT", f"/v1/rules/{deal['id']}", DEAL),
        ("POST", f"/v1/rules/{deal['id']}/stop", None),
        ("POST", f"/v1/rules/{deal['id']}/activate", None),
        ("PUT", f"/v1/punch-cards/{card['id']}", definition(card) | {"status": "stopped"}),
    ]
    for method, path, body in attempts:
        assert tenant.client.request(method, path, headers=tenant.pos, json=body).status_code == 403, path
        foreign = other_tenant.client.request(method, path, headers=other_tenant.admin, json=body)
        assert foreign.status_code in (404, 422), (path, foreign.text)
        assert tenant.client.request(method, path, json=body).status_code == 401, path
    assert ok(tenant.client.get(f"/v1/rules/{deal['id']}", headers=tenant.admin))["revision"] == 1
    assert ok(tenant.client.get(f"/v1/punch-cards/{card['id']}", headers=tenant.admin))["status"] == "active"


def test_the_services_refuse_a_till_whatever_the_door(tenant: Tenant, db: Database) -> None:
    """The guards live in the use cases: a pos principal is refused before anything is read."""
    till = Principal(
        kind="pos",
        business_id=uuid.UUID(tenant.business_id),
        key_id=uuid.uuid4(),
        terminal_id=uuid.UUID(tenant.terminal_id),
    )
    with pytest.raises(REFUSED):
        center.set_rule_status(db, till, uuid.uuid4(), "stopped")
    with pytest.raises(REFUSED):
        center.revise_rule(db, till, uuid.uuid4(), DEAL)
    with pytest.raises(REFUSED):
        templates.replace_punch_card(db, till, uuid.uuid4(), {"status": "stopped"})


def test_a_card_resumed_punches_again_and_its_members_keep_their_punches(tenant: Tenant) -> None:
    card, _ = coffee_card(tenant)
    ada = register(tenant)
    buy(tenant, "T-1", ada["id"])
    ok(
        tenant.client.put(
            f"/v1/punch-cards/{card['id']}", headers=tenant.admin, json=definition(card) | {"status": "stopped"}
        )
    )
    assert buy(tenant, "T-2", ada["id"])["punches"] == []
    resumed = definition(card) | {"status": "active", "punches_required": 8}
    assert (
        ok(tenant.client.put(f"/v1/punch-cards/{card['id']}", headers=tenant.admin, json=resumed))["status"] == "active"
    )
    (punched,) = buy(tenant, "T-3", ada["id"])["punches"]
    assert (punched["card_punches"], punched["punches_required"]) == (2, 8)
