"""Tiers: thresholds on points earned in a rolling window, kept for the window, and `member_tiers` in rules."""

from __future__ import annotations

from tests.conftest import Tenant
from tests.lots.helpers import adjust, buy, days_ago, member, register, settings, shop

LADDER = [{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "500"}]


def put_tiers(tenant: Tenant, body: object) -> dict[str, object]:
    answer = tenant.client.put("/v1/tiers", json=body, headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_a_member_reaches_the_highest_tier_their_window_earnings_reach(tenant: Tenant) -> None:
    shop(tenant)
    put_tiers(tenant, LADDER)
    ada = register(tenant)
    assert member(tenant, ada["id"])["tier"] is None
    buy(tenant, ada["id"], "120.00")
    shown = member(tenant, ada["id"])
    assert shown["tier"] == "Silver"
    progress = shown["tier_progress"]
    assert (progress["earned"], progress["next_tier"], progress["points_to_next"]) == ("120.00", "Gold", "380.00")
    buy(tenant, ada["id"], "400.00")
    assert member(tenant, ada["id"])["tier"] == "Gold"
    assert member(tenant, ada["id"])["tier_progress"]["next_tier"] is None


def test_corrections_do_not_count_towards_a_tier(tenant: Tenant) -> None:
    shop(tenant)
    put_tiers(tenant, LADDER)
    ada = register(tenant)
    adjust(tenant, ada["id"], "1000", "goodwill")
    assert member(tenant, ada["id"])["tier"] is None


def test_a_tier_is_kept_through_a_return_inside_the_window(tenant: Tenant) -> None:
    shop(tenant)
    put_tiers(tenant, LADDER)
    ada = register(tenant)
    bought = buy(tenant, ada["id"], "150.00")
    tenant.client.post(
        f"/v1/purchases/{bought['id']}/returns",
        json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        headers=tenant.pos,
    )
    shown = member(tenant, ada["id"])
    assert shown["tier_progress"]["earned"] == "75.00"
    assert shown["tier"] == "Silver" and shown["tier_progress"]["kept_until"] is not None


def test_earnings_older_than_the_window_do_not_count(tenant: Tenant) -> None:
    shop(tenant)
    put_tiers(tenant, LADDER)
    settings(tenant, tier_window_days=7)
    ada = register(tenant)
    buy(tenant, ada["id"], "150.00", occurred_at=days_ago(10))  # reached Silver 10 days ago: kept 7 days only
    shown = member(tenant, ada["id"])
    assert shown["tier"] is None and shown["tier_progress"]["earned"] == "0.00"


def test_a_rule_for_gold_members_fires_only_for_them(tenant: Tenant) -> None:
    shop(tenant)
    put_tiers(tenant, LADDER)
    bonus = {
        "name": "Gold bonus",
        "trigger": "purchase",
        "status": "active",
        "conditions": {"member_tiers": [" gold "]},
        "actions": [{"type": "add_points", "mode": "fixed", "points": "50"}],
    }
    assert tenant.client.post("/v1/rules", json=bonus, headers=tenant.admin).status_code == 201
    ada = register(tenant)
    first = buy(tenant, ada["id"], "600.00")
    assert first["points_earned"] == "600.00"  # not Gold before this purchase
    second = buy(tenant, ada["id"], "1.00")
    assert second["points_earned"] == "51.00"


def test_bad_tiers_are_refused_naming_the_field(tenant: Tenant) -> None:
    cases = [
        ([{"name": "", "threshold": "100"}], "0.name"),
        ([{"name": "Gold", "threshold": "0"}], "0.threshold"),
        ([{"name": "Gold", "threshold": "-5"}], "0.threshold"),
        ([{"name": "Gold", "threshold": "NaN"}], "0.threshold"),
        ([{"name": "Gold", "threshold": "1.234"}], "0.threshold"),
        ([{"name": "Gold", "threshold": "1e999999"}], "0.threshold"),
        ([{"name": "Gold", "threshold": True}], "0.threshold"),
        ([{"name": "Gold", "threshold": "100"}, {"name": "GOLD", "threshold": "200"}], "1.name"),
        ([{"name": "Silver", "threshold": "100"}, {"name": "Gold", "threshold": "100"}], "1.threshold"),
        ([{"name": "Gold", "threshold": "100", "colour": "gold"}], "0.colour"),
        ({"name": "Gold"}, "body"),
    ]
    for body, field in cases:
        answer = tenant.client.put("/v1/tiers", json=body, headers=tenant.admin)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["details"]["field"] == field, (body, answer.json())
    assert tenant.client.put("/v1/tiers", json=LADDER, headers=tenant.pos).status_code == 403


def test_tiers_are_replaced_whole_and_listed_lowest_first(tenant: Tenant) -> None:
    put_tiers(tenant, list(reversed(LADDER)))
    shown = tenant.client.get("/v1/tiers", headers=tenant.pos).json()
    assert [tier["name"] for tier in shown["tiers"]] == ["Silver", "Gold"] and shown["tier_window_days"] == 365
    assert put_tiers(tenant, [])["tiers"] == []
    ada = register(tenant)
    assert member(tenant, ada["id"])["tier_progress"] is None


def test_a_rule_with_member_tiers_round_trips(tenant: Tenant) -> None:
    rule = {
        "name": "Silver",
        "trigger": "purchase",
        "conditions": {"member_tiers": ["Silver", "Gold"]},
        "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}],
    }
    made = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin).json()
    assert made["conditions"]["member_tiers"] == ["Gold", "Silver"]
    bad = tenant.client.post("/v1/rules", json=rule | {"conditions": {"member_tiers": []}}, headers=tenant.admin)
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "conditions.member_tiers"


def test_a_tier_rule_asks_for_the_tier_at_the_sale_not_at_a_limited_rule_s_last_use(tenant: Tenant) -> None:
    """A member's facts read the firings of limited rules: the tier a rule asks for is still the one at the sale."""
    shop(tenant, tier_window_days=7)
    put_tiers(tenant, LADDER)
    rules = [
        {
            "name": "First visit",
            "trigger": "purchase",
            "status": "active",
            "limits": {"per_member": 1, "period": "ever"},
            "actions": [{"type": "add_points", "mode": "fixed", "points": "2"}],
        },
        {
            "name": "Gold bonus",
            "trigger": "purchase",
            "status": "active",
            "conditions": {"member_tiers": ["Gold"]},
            "actions": [{"type": "add_points", "mode": "fixed", "points": "50"}],
        },
    ]
    for rule in rules:
        assert tenant.client.post("/v1/rules", json=rule, headers=tenant.admin).status_code == 201
    ada = register(tenant)
    # Gold ten days ago, with the limited rule's one firing then: the 7-day window has run out since.
    assert buy(tenant, ada["id"], "600.00", occurred_at=days_ago(10))["points_earned"] == "602.00"
    assert buy(tenant, ada["id"], "1.00")["points_earned"] == "1.00"
