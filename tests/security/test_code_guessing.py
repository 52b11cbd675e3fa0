"""Guessing promo codes: failed codes are limited per terminal and per business (429 with Retry-After), counted
the same through quotes, purchases and /v1/codes/redeem; a till cannot tell a used code from an unknown one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import CodeFailure
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.people import benefit, register

PER_TERMINAL, PER_BUSINESS = 20, 30


@pytest.fixture
def shop(settings: Settings, db: Database) -> Iterator[Tenant]:
    limited = replace(settings, code_failures_per_terminal=PER_TERMINAL, code_failures_per_business=PER_BUSINESS)
    with TestClient(create_app(limited, db=db), raise_server_exceptions=False) as client:
        yield make_tenant(db, client)


def second_till(shop: Tenant) -> dict[str, str]:
    terminal = shop.client.post(
        "/v1/terminals", json={"name": "Till 2", "branch_id": shop.branch_id}, headers=shop.admin
    )
    key = shop.client.post(
        "/v1/api-keys", json={"kind": "pos", "terminal_id": terminal.json()["id"]}, headers=shop.admin
    )
    return {"Authorization": f"Bearer {key.json()['key']}"}


def sale(number: int, codes: list[str], member_id: str | None = None) -> dict[str, Any]:
    return {
        "transaction_id": f"G-{number}",
        "member_id": member_id,
        "items": [{"line_id": "1", "amount": "10.00"}],
        "codes": codes,
    }


def guesses(start: int, count: int = 20) -> list[str]:
    return [f"GUESS{index:06d}" for index in range(start, start + count)]


def failures(db: Database, business_id: str) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(CodeFailure.business_id == uuid.UUID(business_id))) or 0)


def test_a_thousand_guesses_through_quotes_stop_at_the_terminals_limit(shop: Tenant, db: Database) -> None:
    answers = [shop.client.post("/v1/quotes", json=sale(n, guesses(n * 20)), headers=shop.pos) for n in range(50)]
    assert answers[0].status_code == 200
    assert [answer.status_code for answer in answers[1:]] == [429] * 49
    refused = answers[1]
    assert refused.json()["error"]["code"] == "too_many_attempts" and int(refused.headers["Retry-After"]) > 0
    assert failures(db, shop.business_id) == PER_TERMINAL  # exactly the limit, never past it
    # The locked till is refused a real code too, and through every door: purchases and /v1/codes/redeem.
    coffee = benefit(shop)
    shop.client.post("/v1/codes", json={"code": "REAL10", "benefit_id": coffee["id"]}, headers=shop.admin)
    ada = register(shop)
    assert shop.client.post("/v1/purchases", json=sale(999, ["REAL10"]), headers=shop.pos).status_code == 429
    redeemed = shop.client.post("/v1/codes/redeem", json={"code": "REAL10", "member_id": ada["id"]}, headers=shop.pos)
    assert redeemed.status_code == 429 and "Retry-After" in redeemed.headers
    # A sale without codes goes on.
    assert shop.client.post("/v1/purchases", json=sale(1000, []), headers=shop.pos).status_code == 201


def test_guesses_through_purchases_and_redeem_count_together_and_then_the_business_stops(
    shop: Tenant, db: Database
) -> None:
    ada = register(shop)
    first, second = shop.pos, second_till(shop)
    refused = shop.client.post("/v1/purchases", json=sale(1, guesses(0, 10)), headers=first)
    assert refused.status_code == 409 and {
        entry["reason"] for entry in refused.json()["error"]["details"]["rejected"]
    } == {"unknown or already used"}
    for code in guesses(100, 10):
        answer = shop.client.post("/v1/codes/redeem", json={"code": code, "member_id": ada["id"]}, headers=first)
        assert answer.status_code == 422
    assert (
        shop.client.post("/v1/codes/redeem", json={"code": "X1", "member_id": ada["id"]}, headers=first).status_code
        == 429
    )
    # The other till has its own 20, but the business has only 30 in all.
    assert shop.client.post("/v1/quotes", json=sale(2, guesses(200, 10)), headers=second).status_code == 200
    stopped = shop.client.post("/v1/quotes", json=sale(3, guesses(300, 1)), headers=second)
    assert stopped.status_code == 429 and stopped.json()["error"]["details"]["scope"] == "business"
    assert failures(db, shop.business_id) == PER_BUSINESS


def test_a_till_cannot_tell_a_used_code_from_an_unknown_one(shop: Tenant) -> None:
    coffee = benefit(shop)
    made = shop.client.post("/v1/codes", json={"count": 1, "benefit_id": coffee["id"]}, headers=shop.admin).json()
    [once] = made["codes"]
    ada, grace = register(shop), register(shop, "078 555 12 99")
    assert (
        shop.client.post("/v1/codes/redeem", json={"code": once, "member_id": ada["id"]}, headers=shop.pos).status_code
        == 200
    )
    used = shop.client.post("/v1/codes/redeem", json={"code": once, "member_id": grace["id"]}, headers=shop.pos)
    unknown = shop.client.post(
        "/v1/codes/redeem", json={"code": "ZZZZZZZZ", "member_id": grace["id"]}, headers=shop.pos
    )
    assert used.status_code == unknown.status_code == 422 and used.json() == unknown.json()
    quoted = shop.client.post("/v1/quotes", json=sale(1, [once, "ZZZZZZZZ"], grace["id"]), headers=shop.pos).json()
    assert [entry["reason"] for entry in quoted["rejected"]] == ["unknown or already used"] * 2


def test_the_dashboard_warning_uses_the_failed_code_limits(shop: Tenant) -> None:
    quiet = shop.client.get("/v1/codes/guessing-risk", headers=shop.admin).json()
    assert quiet["live_codes"] == 0 and quiet["warning"] is None
    assert quiet["attempts_per_day"] == PER_BUSINESS * 86_400 // 600
    assert quiet["attempts_per_day_one_terminal"] == PER_TERMINAL * 86_400 // 600
    coffee = benefit(shop)
    made = shop.client.post(
        "/v1/codes", json={"count": 5_000, "length": 6, "benefit_id": coffee["id"]}, headers=shop.admin
    )
    assert made.status_code == 201
    risky = shop.client.get("/v1/codes/guessing-risk", headers=shop.admin).json()
    # 5,000 codes of 6 characters among 31^6: p ≈ 5.6e-6 per guess, ≈ 2.4 % over a day at 4,320 guesses.
    assert risky["live_codes"] == 5_000 and risky["warning"] and "5,000" in risky["warning"]
    assert 0.02 < float(risky["daily_chance"]) < 0.03
    assert shop.client.get("/v1/codes/guessing-risk", headers=shop.pos).status_code == 403
