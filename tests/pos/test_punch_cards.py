"""Punch cards over HTTP: templates, punches in quotes and purchases, rewards, returns and cancels, races."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from loyalty.db.engine import Database
from loyalty.db.models import MemberPunchCard
from loyalty.wallet import punch_cards
from tests.conftest import Tenant
from tests.support.people import benefit, register


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def coffee_card(tenant: Tenant, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    reward = benefit(tenant, name="Free coffee", kind="free_item", discount=None, items={"codes": ["COFFEE"]})
    body = {
        "name": "10th coffee free",
        "punches_required": 10,
        "items": {"codes": ["COFFEE"]},
        "mode": "repeat",
        "every": 1,
        "reward_benefit_id": reward["id"],
        "valid_days": 365,
        "status": "active",
    } | fields
    return ok(tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=body), 201), reward


def sale(transaction_id: str, member_id: str, coffees: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "COFFEE", "quantity": coffees, "amount": f"{coffees * 4}.00"},
            {"line_id": "2", "code": "CAKE", "amount": "6.00"},
        ],
    } | extra


def buy(tenant: Tenant, transaction_id: str, member_id: str, coffees: int = 1, **extra: Any) -> dict[str, Any]:
    return ok(
        tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(transaction_id, member_id, coffees, **extra)),
        201,
    )


def cards_of(tenant: Tenant, member_id: str) -> list[dict[str, Any]]:
    return ok(tenant.client.get(f"/v1/members/{member_id}/punch-cards", headers=tenant.pos))


def test_a_member_collects_punches_and_the_tenth_coffee_grants_the_reward_and_starts_a_new_card(tenant: Tenant):
    card, reward = coffee_card(tenant)
    ada = register(tenant)
    assert cards_of(tenant, ada["id"]) == []  # created at the first punch
    first = buy(tenant, "T-1", ada["id"], coffees=9)
    assert first["punches"][0] | {"explanation": ""} == {
        "punch_card_id": card["id"],
        "name": "10th coffee free",
        "punches": 9,
        "card_punches": 9,
        "punches_required": 10,
        "completed": 0,
        "explanation": "",
        "rewards": [],
    }
    assert first["punches"][0]["explanation"] == "10th coffee free: 9 COFFEE → 9 punches: 9 of 10"
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale("T-2", ada["id"], coffees=3)))
    assert (quote["punches"][0]["card_punches"], quote["punches"][0]["completed"]) == (2, 1)
    second = buy(tenant, "T-2", ada["id"], coffees=3)
    (punched,) = second["punches"]
    assert (punched["punches"], punched["card_punches"], punched["completed"]) == (3, 2, 1)
    assert punched["explanation"] == quote["punches"][0]["explanation"]
    (reward_asset,) = punched["rewards"]
    assert cards_of(tenant, ada["id"]) == [
        {
            "punch_card_id": card["id"],
            "name": "10th coffee free",
            "names": {},
            "punches": 2,
            "punches_required": 10,
            "completed": 1,
            "status": "active",
        }
    ]
    wallet = ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))["benefits"]
    assert [(entry["id"], entry["benefit_id"]) for entry in wallet] == [(reward_asset, reward["id"])]
    # The reward is redeemed on the next sale; the coffee it makes free does not punch.
    third = buy(tenant, "T-3", ada["id"], coffees=1, benefits=[reward_asset])
    assert third["redeemed"] == [reward_asset]
    assert third["discounts"][0]["amount"] == "4.00"
    assert third["punches"] == []
    assert cards_of(tenant, ada["id"])[0]["punches"] == 2


def test_simple_mode_punches_once_per_qualifying_purchase(tenant: Tenant):
    coffee_card(tenant, mode="simple", punches=2, every=None, punches_required=5)
    ada = register(tenant)
    assert buy(tenant, "T-1", ada["id"], coffees=4)["punches"][0]["punches"] == 2
    no_coffee = {
        "transaction_id": "T-2",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "CAKE", "amount": "6.00"}],
    }
    assert ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=no_coffee), 201)["punches"] == []
    assert cards_of(tenant, ada["id"])[0]["punches"] == 2


def test_a_return_takes_its_punches_back_from_the_open_card(tenant: Tenant, db: Database):
    coffee_card(tenant)
    ada = register(tenant)
    done = buy(tenant, "T-1", ada["id"], coffees=4)
    back = ok(
        tenant.client.post(
            f"/v1/purchases/{done['id']}/returns",
            headers=tenant.pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        ),
        201,
    )
    assert (back["punches_taken_back"], back["punches_not_recovered"]) == (1, 0)
    assert cards_of(tenant, ada["id"])[0]["punches"] == 3
    cancelled = ok(tenant.client.post(f"/v1/purchases/{done['id']}/cancel", headers=tenant.pos))
    assert cancelled["punches_not_recovered"] == 0
    assert cards_of(tenant, ada["id"])[0]["punches"] == 0
    with db.read() as session:
        assert punch_cards.verify(session) == []


def test_cancelling_the_purchase_that_filled_a_card_withdraws_its_unused_reward(tenant: Tenant):
    coffee_card(tenant)
    ada = register(tenant)
    buy(tenant, "T-1", ada["id"], coffees=9)
    filled = buy(tenant, "T-2", ada["id"], coffees=2)
    (reward_asset,) = filled["punches"][0]["rewards"]
    cancelled = ok(tenant.client.post(f"/v1/purchases/{filled['id']}/cancel", headers=tenant.pos))
    assert cancelled["punches_not_recovered"] == 0
    card = cards_of(tenant, ada["id"])[0]
    assert (card["punches"], card["completed"]) == (9, 0)
    wallet = ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))["benefits"]
    assert [(entry["id"], entry["status"]) for entry in wallet] == [(reward_asset, "deactivated")]


def test_a_reward_already_used_is_reported_as_punches_not_recovered(tenant: Tenant, db: Database):
    coffee_card(tenant)
    ada = register(tenant)
    filled = buy(tenant, "T-1", ada["id"], coffees=10)
    (reward_asset,) = filled["punches"][0]["rewards"]
    buy(tenant, "T-2", ada["id"], coffees=1, benefits=[reward_asset])  # used; that coffee was free: no punch
    cancelled = ok(tenant.client.post(f"/v1/purchases/{filled['id']}/cancel", headers=tenant.pos))
    assert cancelled["punches_not_recovered"] == 10
    card = cards_of(tenant, ada["id"])[0]
    assert (card["punches"], card["completed"]) == (0, 1)
    twice = ok(tenant.client.post(f"/v1/purchases/{filled['id']}/cancel", headers=tenant.pos))
    assert twice["punches_not_recovered"] == 0
    with db.read() as session:
        assert punch_cards.verify(session) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reward_benefit_id": str(uuid.uuid4())}, "reward_benefit_id"),
        ({"reward_benefit_id": "not-an-id"}, "reward_benefit_id"),
        ({"punches_required": 0}, "punches_required"),
        ({"items": {}}, "items"),
        ({"mode": "daily"}, "mode"),
        ({"every": "-1"}, "every"),
    ],
)
def test_a_bad_punch_card_is_a_422_naming_the_field(tenant: Tenant, fields: dict[str, Any], field: str):
    reward = benefit(tenant)
    body = {"name": "x", "punches_required": 10, "items": {"codes": ["COFFEE"]}, "reward_benefit_id": reward["id"]}
    answer = tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=body | fields)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_a_reward_of_another_business_is_refused(tenant: Tenant, other_tenant: Tenant):
    foreign = benefit(other_tenant)
    body = {"name": "x", "punches_required": 10, "items": {"codes": ["COFFEE"]}, "reward_benefit_id": foreign["id"]}
    answer = tenant.client.post("/v1/punch-cards", headers=tenant.admin, json=body)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "reward_benefit_id"


def test_a_stopped_card_no_longer_punches_and_another_business_cannot_see_it(tenant: Tenant, other_tenant: Tenant):
    card, _ = coffee_card(tenant)
    body = {k: card[k] for k in ("name", "punches_required", "items", "mode", "every", "reward_benefit_id")}
    stopped = ok(
        tenant.client.put(f"/v1/punch-cards/{card['id']}", headers=tenant.admin, json=body | {"status": "stopped"})
    )
    assert stopped["status"] == "stopped"
    ada = register(tenant)
    assert buy(tenant, "T-1", ada["id"])["punches"] == []
    assert other_tenant.client.get(f"/v1/punch-cards/{card['id']}", headers=other_tenant.admin).status_code == 404
    assert other_tenant.client.get(f"/v1/members/{ada['id']}/punch-cards", headers=other_tenant.pos).status_code == 404


def test_two_tills_completing_the_same_card_at_once_grant_one_reward(tenant: Tenant, db: Database):
    coffee_card(tenant)
    ada = register(tenant)
    buy(tenant, "T-0", ada["id"], coffees=9)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def till(transaction_id: str) -> None:
        start.wait()
        answers.append(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(transaction_id, ada["id"])))

    threads = [threading.Thread(target=till, args=(f"T-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [201, 201], [a.text for a in answers]
    rewards = [reward for answer in answers for reward in answer.json()["punches"][0]["rewards"]]
    assert len(rewards) == 1
    card = cards_of(tenant, ada["id"])[0]
    assert (card["punches"], card["completed"]) == (1, 1)
    with db.read() as session:
        assert punch_cards.verify(session) == []


def test_verify_finds_a_card_out_of_step_with_its_entries(tenant: Tenant, db: Database):
    coffee_card(tenant)
    ada = register(tenant)
    buy(tenant, "T-1", ada["id"], coffees=3)

    def tamper(session: Any) -> None:
        row = session.query(MemberPunchCard).filter_by(member_id=uuid.UUID(ada["id"])).one()
        row.punches = 7

    db.write(tamper)
    with db.read() as session:
        problems = punch_cards.verify(session)
    db.write(
        lambda session: (
            session.query(MemberPunchCard).filter_by(member_id=uuid.UUID(ada["id"])).one().__setattr__("punches", 3)
        )
    )
    assert any("7 punches but entries sum to 3" in problem for problem in problems)


def test_a_quote_and_the_campaign_centers_simulation_say_the_same_punches_and_deals(tenant: Tenant):
    coffee_card(tenant)
    deal = {
        "name": "Cake deal",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "discount", "discount": {"amount": "1.00"}, "items": {"codes": ["CAKE"]}}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=deal), 201)
    ada = register(tenant)
    buy(tenant, "T-1", ada["id"], coffees=8)
    basket = sale("T-2", ada["id"], coffees=3)
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=basket))
    tried = ok(tenant.client.post("/v1/rules/simulate", headers=tenant.admin, json={"purchase": basket}))
    assert tried["punches"] == quote["punches"]
    assert tried["discounts"] == quote["discounts"]
    assert quote["punches"][0]["explanation"] == (
        "10th coffee free: 3 COFFEE → 3 punches: a card full, reward earned; 1 of 10 on the next"
    )
