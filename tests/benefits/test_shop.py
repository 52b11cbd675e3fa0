"""The point shop over HTTP: prices, buying with an Idempotency-Key, refusals, races, refunds on deactivation."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from loyalty.db.engine import Database
from loyalty.wallet import ledger
from tests.conftest import Tenant
from tests.support.people import benefit, member_key, register


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def give_points(tenant: Tenant, member_id: str, points: str) -> None:
    body = {"points": points, "reason": "stake"}
    ok(tenant.client.post(f"/v1/members/{member_id}/adjustments", headers=tenant.admin, json=body), 201)


def buy(tenant: Tenant, member_id: str, benefit_id: str, key: str | None = None, headers: dict | None = None) -> Any:
    sent = (headers or tenant.pos) | {"Idempotency-Key": key or uuid.uuid4().hex}
    return tenant.client.post(f"/v1/members/{member_id}/benefits/buy", headers=sent, json={"benefit_id": benefit_id})


def popcorn(tenant: Tenant, price: Any = "60") -> dict[str, Any]:
    return benefit(
        tenant, name="Free popcorn", kind="free_item", discount=None, items={"codes": ["POPCORN"]}, price_points=price
    )


def test_a_member_with_enough_points_buys_a_benefit_into_the_wallet(tenant: Tenant):
    prize = popcorn(tenant)
    assert prize["price_points"] == "60.00"
    listed = tenant.client.get("/v1/shop", headers=tenant.pos).json()
    assert [(item["name"], item["price_points"]) for item in listed] == [("Free popcorn", "60.00")]
    ada = register(tenant)
    give_points(tenant, ada["id"], "100")
    bought = ok(buy(tenant, ada["id"], prize["id"], key="B-1"), 201)
    assert (bought["benefit_id"], bought["status"], bought["source"]) == (prize["id"], "active", "shop")
    assert (bought["points_paid"], bought["points_balance"]) == ("60.00", "40.00")
    replay = ok(buy(tenant, ada["id"], prize["id"], key="B-1"), 200)
    assert replay == bought
    shown = ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))
    assert shown["points_balance"] == "40.00"
    assert [entry["id"] for entry in shown["benefits"]] == [bought["id"]]


def test_not_enough_points_is_a_409_and_changes_nothing(tenant: Tenant):
    prize = popcorn(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "59.99")
    refused = buy(tenant, ada["id"], prize["id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_points"
    shown = ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))
    assert (shown["points_balance"], shown["benefits"]) == ("59.99", [])


def test_a_key_used_for_another_benefit_is_refused(tenant: Tenant):
    first, second = popcorn(tenant, "10"), popcorn(tenant, "20")
    ada = register(tenant)
    give_points(tenant, ada["id"], "100")
    ok(buy(tenant, ada["id"], first["id"], key="K"), 201)
    answer = buy(tenant, ada["id"], second["id"], key="K")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "idempotency_conflict"


def test_a_benefit_without_a_price_is_not_for_sale(tenant: Tenant):
    free = benefit(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "100")
    answer = buy(tenant, ada["id"], free["id"])
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_for_sale"
    assert tenant.client.get("/v1/shop", headers=tenant.pos).json() == []


def test_a_buy_needs_an_idempotency_key(tenant: Tenant):
    prize = popcorn(tenant)
    ada = register(tenant)
    answer = tenant.client.post(
        f"/v1/members/{ada['id']}/benefits/buy", headers=tenant.pos, json={"benefit_id": prize["id"]}
    )
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("price", ["-5", "0", "60.001", "abc"])
def test_a_bad_price_is_a_422_naming_price_points(tenant: Tenant, price: str):
    body = {"name": "x", "kind": "discount", "discount": {"amount": "1.00"}, "price_points": price}
    answer = tenant.client.post("/v1/benefits", headers=tenant.admin, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == "price_points"


def test_the_campaign_center_sets_and_clears_a_price(tenant: Tenant):
    made = benefit(tenant)
    priced = ok(tenant.client.patch(f"/v1/benefits/{made['id']}", headers=tenant.admin, json={"price_points": 25}))
    assert priced["price_points"] == "25.00"
    cleared = ok(tenant.client.patch(f"/v1/benefits/{made['id']}", headers=tenant.admin, json={"price_points": None}))
    assert cleared["price_points"] is None
    answer = tenant.client.patch(f"/v1/benefits/{made['id']}", headers=tenant.admin, json={"price_points": "-1"})
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "price_points"


def test_deactivating_an_unused_bought_benefit_gives_its_points_back_once(tenant: Tenant):
    prize = popcorn(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "60")
    bought = ok(buy(tenant, ada["id"], prize["id"]), 201)
    url = f"/v1/members/{ada['id']}/benefits/{bought['id']}/deactivate"
    ok(tenant.client.post(url, headers=tenant.admin))
    ok(tenant.client.post(url, headers=tenant.admin))
    assert ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))["points_balance"] == "60.00"


def test_a_used_bought_benefit_cannot_be_deactivated_for_its_points(tenant: Tenant):
    prize = popcorn(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "60")
    bought = ok(buy(tenant, ada["id"], prize["id"]), 201)
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "POPCORN", "amount": "5.00"}],
        "benefits": [bought["id"]],
    }
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale), 201)
    answer = tenant.client.post(f"/v1/members/{ada['id']}/benefits/{bought['id']}/deactivate", headers=tenant.admin)
    assert answer.status_code == 409
    assert ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))["points_balance"] == "0.00"


def test_a_member_buys_for_themselves_only(tenant: Tenant, db: Database):
    prize = popcorn(tenant)
    ada, bob = register(tenant), register(tenant, "+41 79 765 43 21")
    give_points(tenant, ada["id"], "60")
    give_points(tenant, bob["id"], "60")
    headers = member_key(db, tenant, ada["id"])
    assert buy(tenant, bob["id"], prize["id"], headers=headers).status_code == 404
    ok(buy(tenant, ada["id"], prize["id"], headers=headers), 201)


def test_another_business_cannot_buy_for_a_member(tenant: Tenant, other_tenant: Tenant):
    prize = popcorn(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "60")
    assert buy(other_tenant, ada["id"], prize["id"]).status_code == 404


def test_two_concurrent_buys_against_a_balance_enough_for_one_succeed_once(tenant: Tenant, db: Database):
    prize = popcorn(tenant)
    ada = register(tenant)
    give_points(tenant, ada["id"], "100")
    start = threading.Barrier(2)
    answers: list[Any] = []

    def attempt() -> None:
        start.wait()
        answers.append(buy(tenant, ada["id"], prize["id"]))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201, 409], [a.text for a in answers]
    shown = ok(tenant.client.get(f"/v1/members/{ada['id']}", headers=tenant.pos))
    assert (shown["points_balance"], len(shown["benefits"])) == ("40.00", 1)
    with db.read() as session:
        assert ledger.verify(session) == []
