"""POST /v1/rules/backtest: recorded purchases replayed through drafts or stored rules give exactly what
confirming them under those rules gave, and nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from loyalty.db.engine import Database
from tests.conftest import Tenant
from tests.figures.shop import PERCENT_RULE, TICKET_RULE, Sales, ok, record_sales, row_counts


@pytest.fixture
def sales(tenant: Tenant) -> Sales:
    return record_sales(tenant)


def backtest(tenant: Tenant, sales: Sales, rules: list[Any], **period: str) -> dict[str, Any]:
    body = {
        "rules": rules,
        "from": sales.started.isoformat(),
        "until": (datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
        **period,
    }
    return ok(tenant.client.post("/v1/rules/backtest", headers=tenant.admin, json=body))


def draft(rule: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in rule.items() if key != "status"}


def test_a_draft_backtested_gives_exactly_what_confirming_the_purchases_under_it_gave(tenant, sales):
    for name, body in (("percent", PERCENT_RULE), ("tickets", TICKET_RULE)):
        rule_id = sales.rules[name]["id"]
        expected = sales.earned_by(rule_id)
        assert expected > 0  # the sales exercise the rule
        answer = backtest(tenant, sales, [draft(body)])
        assert answer["purchases"] == 5  # identified, not cancelled
        assert Decimal(answer["points"]) == expected, name
        assert answer["by_rule"] == [
            {
                "rule_id": None,
                "revision": None,
                "name": body["name"],
                "points": answer["points"],
                "cost": answer["cost"],  # one point is worth 1.00
                "purchases": sales.purchases_earning_by(rule_id),
                "members": answer["members"],
            }
        ]
        assert Decimal(answer["cost"]) == expected
        assert sum(Decimal(day["points"]) for day in answer["by_day"]) == expected
        # Beside it, what the rule actually gave on the same purchases, from the ledger.
        actual = {entry["rule_id"]: entry for entry in answer["actual"]["by_rule"]}
        assert Decimal(actual[rule_id]["points"]) == expected
        assert actual[rule_id]["purchases"] == sales.purchases_earning_by(rule_id)


def test_the_limited_rule_fires_once_a_day_in_the_replay_as_at_the_till(tenant, sales):
    rule_id = sales.rules["tickets"]["id"]
    answer = backtest(tenant, sales, [draft(TICKET_RULE)])
    # Each member's later sales of the day earn nothing from it, though all would (vouchers are not excluded).
    assert answer["by_rule"][0]["purchases"] == sales.purchases_earning_by(rule_id) == 2
    unlimited = backtest(tenant, sales, [draft({**TICKET_RULE, "limits": None})])
    assert unlimited["by_rule"][0]["purchases"] == 5


def test_stored_rules_by_id_and_drafts_together_add_up(tenant, sales):
    ids = [sales.rules["percent"]["id"], sales.rules["tickets"]["id"]]
    by_id = backtest(tenant, sales, [{"id": ids[0]}, {"id": ids[1]}])
    assert Decimal(by_id["points"]) == sales.earned_by(ids[0]) + sales.earned_by(ids[1])
    assert [rule["rule_id"] for rule in by_id["by_rule"]] == ids
    assert [rule["revision"] for rule in by_id["by_rule"]] == [1, 1]
    assert by_id["points"] == by_id["actual"]["points"]  # nothing changed since: the replay is what happened
    mixed = backtest(tenant, sales, [draft(PERCENT_RULE), {"id": ids[1]}])
    assert mixed["points"] == by_id["points"]


def test_a_stopped_or_draft_rule_is_replayed_as_if_active(tenant, sales):
    rule_id = sales.rules["percent"]["id"]
    ok(tenant.client.post(f"/v1/rules/{rule_id}/stop", headers=tenant.admin))
    answer = backtest(tenant, sales, [{"id": rule_id}])
    assert Decimal(answer["points"]) == sales.earned_by(rule_id)


def test_a_period_without_those_purchases_replays_nothing(tenant, sales):
    answer = backtest(tenant, sales, [draft(PERCENT_RULE)], **{"from": "2020-01-01", "until": "2020-01-31"})
    assert answer["purchases"] == 0 and answer["points"] == "0.00" and len(answer["by_day"]) == 31


def test_backtesting_writes_nothing(tenant, sales, db: Database):
    before = row_counts(db)
    backtest(tenant, sales, [draft(PERCENT_RULE), {"id": sales.rules["tickets"]["id"]}])
    streamed = tenant.client.post(
        "/v1/rules/backtest",
        headers=tenant.admin | {"Accept": "application/x-ndjson"},
        json={"rules": [draft(TICKET_RULE)], "from": sales.started.isoformat()},
    )
    assert streamed.status_code == 200
    assert row_counts(db) == before


def test_a_streamed_backtest_reports_progress_then_the_same_result(tenant, sales):
    body = {"rules": [draft(PERCENT_RULE)], "from": sales.started.isoformat()}
    plain = ok(tenant.client.post("/v1/rules/backtest", headers=tenant.admin, json=body))
    streamed = tenant.client.post(
        "/v1/rules/backtest", headers=tenant.admin | {"Accept": "application/x-ndjson"}, json=body
    )
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    assert lines[0] == {"progress": {"done": 0, "total": 5}}
    assert {"progress": {"done": 5, "total": 5}} in lines
    assert lines[-1]["result"]["points"] == plain["points"]
    assert lines[-1]["result"]["by_day"] == plain["by_day"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "rules"),
        ({"rules": []}, "rules"),
        ({"rules": "all"}, "rules"),
        (
            {
                "rules": [
                    {
                        "name": "x",
                        "trigger": "joined",
                        "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}],
                    }
                ]
            },
            "rules.0.trigger",
        ),
        (
            {"rules": [{"name": "x", "trigger": "purchase", "actions": [{"type": "add_points", "mode": "fixed"}]}]},
            "rules.0.actions.0.points",
        ),
        ({"rules": [{"id": "not-a-rule"}]}, "rules.0.id"),
        ({"rules": [{"id": "6d0e9c1e-8f53-4d5e-9a53-0c7b8f1d2a11"}]}, "rules.0.id"),
        ({"rules": [PERCENT_RULE], "from": "yesterday"}, "from"),
        ({"rules": [PERCENT_RULE], "from": "2026-01-01T00:00:00"}, "from"),
        ({"rules": [PERCENT_RULE], "from": 20260101}, "from"),
        ({"rules": [PERCENT_RULE], "from": "2026-02-01", "until": "2026-01-01"}, "until"),
        ({"rules": [PERCENT_RULE], "from": "2020-01-01", "until": "2026-01-01"}, "from"),
        ({"rules": [PERCENT_RULE], "period": "week"}, "period"),
    ],
)
def test_a_bad_backtest_is_a_422_naming_the_field(tenant, body, field):
    answer = tenant.client.post("/v1/rules/backtest", headers=tenant.admin, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_another_business_rule_cannot_be_backtested_and_a_till_cannot_backtest(tenant, other_tenant):
    theirs = ok(other_tenant.client.post("/v1/rules", headers=other_tenant.admin, json=TICKET_RULE), 201)
    answer = tenant.client.post("/v1/rules/backtest", headers=tenant.admin, json={"rules": [{"id": theirs["id"]}]})
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "rules.0.id"
    assert "another" not in answer.text
    answer = tenant.client.post("/v1/rules/backtest", headers=tenant.pos, json={"rules": [PERCENT_RULE]})
    assert answer.status_code == 403


def test_a_lifetime_condition_reads_the_lifetime_points_the_member_had_at_each_purchase(tenant):
    client, admin, pos = tenant.client, tenant.admin, tenant.pos
    started = datetime.now(UTC) - timedelta(seconds=1)
    rate = {**PERCENT_RULE, "name": "10% back", "actions": [{"type": "add_points", "mode": "percent", "percent": "10"}]}
    loyal = {
        "name": "Loyal: 5 points once past 20 lifetime points",
        "trigger": "purchase",
        "status": "active",
        "conditions": {"lifetime_points_at_least": "20"},
        "actions": [{"type": "add_points", "mode": "fixed", "points": "5"}],
    }
    ok(client.post("/v1/rules", headers=admin, json=rate), 201)
    made = ok(client.post("/v1/rules", headers=admin, json=loyal), 201)
    member = ok(client.post("/v1/members", headers=admin, json={"phone": "+41795550811"}), 201)["id"]
    earned = Decimal(0)
    for number in range(5):
        body = {
            "transaction_id": f"L-{number}",
            "member_id": member,
            "items": [{"line_id": "1", "code": "TICKET", "amount": "90.00"}],
        }
        answer = ok(client.post("/v1/purchases", headers=pos, json=body), 201)
        earned += sum((Decimal(a["points"]) for a in answer["earned"] if a["rule_id"] == made["id"]), Decimal(0))
    assert earned == 10  # the first three found 0, 9 and 18 lifetime points; the member has 55 now
    answer = backtest(tenant, Sales(started, {}, [member]), [draft(loyal)])
    assert Decimal(answer["points"]) == earned
    assert answer["by_rule"][0]["purchases"] == 2
