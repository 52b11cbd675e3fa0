"""GET /v1/reports/rules: per rule the points given, purchases and members, per benefit granted and redeemed,
per code uses; each figure checked against the purchases' own answers and the ledger."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, LedgerTransaction
from tests.conftest import Tenant
from tests.figures.shop import ok, record_sales


def report(tenant: Tenant, **params: str) -> dict[str, Any]:
    return ok(tenant.client.get("/v1/reports/rules", headers=tenant.admin, params=params))


def test_rule_figures_match_the_purchases_and_the_ledger(tenant: Tenant, db: Database):
    sales = record_sales(tenant)
    returned = ok(
        tenant.client.post(
            f"/v1/purchases/{sales.answers[0]['id']}/returns",
            headers=tenant.pos,
            json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]},
        ),
        201,
    )
    figures = report(tenant)
    by_id = {rule["rule_id"]: rule for rule in figures["rules"]}
    cancelled = sales.cancelled
    assert cancelled is not None
    for rule_id in (rule["id"] for rule in sales.rules.values()):
        # Points given when the purchases were confirmed, the cancelled one included: what it took back is
        # the period's `taken_back`.
        given = sales.earned_by(rule_id) + sum(
            (Decimal(award["points"]) for award in cancelled["earned"] if award["rule_id"] == rule_id), Decimal(0)
        )
        earning = sales.purchases_earning_by(rule_id) + any(a["rule_id"] == rule_id for a in cancelled["earned"])
        assert Decimal(by_id[rule_id]["points"]) == given
        assert by_id[rule_id]["purchases"] == earning
        with db.read() as session:
            ledger = session.scalar(
                select(func.sum(LedgerEntry.amount))
                .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
                .where(LedgerTransaction.rule_id == uuid.UUID(rule_id), LedgerEntry.account == "member")
            )
        assert Decimal(by_id[rule_id]["points"]) == Decimal(ledger) / 100
    assert by_id[sales.rules["tickets"]["id"]]["members"] == 2
    assert Decimal(figures["points"]) == sum(Decimal(rule["points"]) for rule in figures["rules"])
    assert Decimal(figures["taken_back_by_cancels"]) == Decimal(cancelled["points_earned"]) > 0
    assert Decimal(figures["taken_back_by_returns"]) == Decimal(returned["points_taken_back"]) > 0
    assert Decimal(figures["taken_back"]) == Decimal(cancelled["points_earned"]) + Decimal(
        returned["points_taken_back"]
    )
    assert sum(Decimal(day["points"]) for day in figures["by_day"]) == Decimal(figures["points"])
    assert len(figures["by_day"]) == 30

    (benefit,) = figures["benefits"]
    assert (benefit["name"], benefit["granted"], benefit["redeemed"]) == ("10% off", 1, 1)
    (code,) = figures["codes"]
    assert (code["code"], code["uses"]) == ("SUMMER10", 1)


def test_a_period_before_the_sales_shows_every_rule_at_zero(tenant: Tenant):
    sales = record_sales(tenant)
    figures = report(tenant, **{"from": "2021-03-01", "until": "2021-03-07"})
    assert {rule["rule_id"] for rule in figures["rules"]} == {rule["id"] for rule in sales.rules.values()}
    assert all(rule["points"] == "0.00" and rule["purchases"] == 0 for rule in figures["rules"])
    assert [day["day"] for day in figures["by_day"]][0::6] == ["2021-03-01", "2021-03-07"]
    assert figures["benefits"][0]["granted"] == 0 and figures["codes"][0]["uses"] == 0


def test_an_exact_period_counts_only_what_happened_inside_it(tenant: Tenant):
    sales = record_sales(tenant)
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    assert (
        report(tenant, **{"from": later, "until": (datetime.now(UTC) + timedelta(hours=1)).isoformat()})["points"]
        == "0.00"
    )
    assert Decimal(report(tenant, **{"from": sales.started.isoformat()})["points"]) > 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "last week"}, "from"),
        ({"until": "2026-13-01"}, "until"),
        ({"from": "2026-01-02", "until": "2026-01-01"}, "until"),
        ({"from": "2024-01-01", "until": "2026-01-01"}, "from"),
        ({"from": "2999-01-01"}, "from"),
        ({"from": "9999-12-31", "until": "9999-12-31"}, "until"),
        ({"from": "0001-01-01", "until": "0001-01-02"}, "from"),
        ({"from": "2026-11-01T00:00:00+99:00"}, "from"),
    ],
)
def test_a_bad_period_is_a_422_naming_it(tenant: Tenant, params: dict[str, str], field: str):
    answer = tenant.client.get("/v1/reports/rules", headers=tenant.admin, params=params)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == field


def test_rule_figures_are_for_admin_keys_and_one_business(tenant: Tenant, other_tenant: Tenant):
    record_sales(other_tenant)
    assert tenant.client.get("/v1/reports/rules", headers=tenant.pos).status_code == 403
    assert tenant.client.get("/v1/reports/rules").status_code == 401
    mine = report(tenant)
    assert mine["rules"] == [] and mine["benefits"] == [] and mine["codes"] == [] and mine["points"] == "0.00"
