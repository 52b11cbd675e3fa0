"""Numbers a client can send or a legal rule can reach stay inside the database's integers: a 409 or 422 in
words, never a 500; and a 500 (for whatever is left) does not drop the connection."""

from __future__ import annotations

import http.client
import json

import pytest

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from loyalty.wallet import ledger
from tests.conftest import Tenant
from tests.security.inprocess import serving
from tests.support.people import active_rule, register


@pytest.mark.parametrize("value", ["1e30", "1000000.01", "1e999999", 1e30, "-1", "0"])
def test_a_point_value_past_the_ceiling_is_a_422_naming_it(tenant: Tenant, value: object) -> None:
    answer = tenant.client.patch("/v1/business", json={"point_value": value}, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == "point_value"
    assert tenant.client.patch("/v1/business", json={"point_value": "1000000"}, headers=tenant.admin).status_code == 200


def purchase(tenant: Tenant, member_id: str, transaction_id: str, amount: str = "1000000000") -> object:
    body = {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "GOLD", "amount": amount}],
    }
    return tenant.client.post("/v1/purchases", json=body, headers=tenant.pos)


def test_a_legal_rule_that_would_push_a_balance_past_the_ceiling_is_refused_in_words(
    tenant: Tenant, db: Database
) -> None:
    # The largest rate a rule may have, on the largest amount a sale line may have: 10^19 points.
    active_rule(
        db,
        tenant,
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "rate", "points": "100000", "per": "0.01"}],
    )
    member = register(tenant)
    for attempt in range(3):
        answer = purchase(tenant, member["id"], f"BIG-{attempt}")
        assert answer.status_code == 409, answer.text  # type: ignore[attr-defined]
        assert answer.json()["error"]["code"] == "points_ceiling"  # type: ignore[attr-defined]
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert shown["points_balance"] == "0.00"


def test_a_balance_at_the_ceiling_refuses_more_earning_and_still_pays(tenant: Tenant, db: Database) -> None:
    active_rule(
        db, tenant, trigger="purchase", actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}]
    )
    member = register(tenant)
    near = tenant.client.post(
        f"/v1/members/{member['id']}/adjustments",
        json={"points": "9999999999999.50", "reason": "a balance near the ceiling"},
        headers=tenant.admin,
    )
    assert near.status_code == 201, near.text
    assert ledger.MAX_BALANCE - 50 == 999999999999950
    earning = purchase(tenant, member["id"], "NEAR-1", amount="10.00")
    assert earning.status_code == 409 and earning.json()["error"]["code"] == "points_ceiling"  # type: ignore[attr-defined]
    small = purchase(tenant, member["id"], "NEAR-2", amount="0.40")
    assert small.status_code == 201, small.text  # type: ignore[attr-defined]


def test_an_adjustment_past_the_ceiling_is_refused(tenant: Tenant) -> None:
    member = register(tenant)
    for points in ("99999999999999999999", "1e30", "10000000000001"):
        answer = tenant.client.post(
            f"/v1/members/{member['id']}/adjustments", json={"points": points, "reason": "x"}, headers=tenant.admin
        )
        assert answer.status_code in (409, 422), answer.text
        assert answer.status_code != 500


def test_a_500_is_answered_in_words_and_the_connection_stays_open(settings: Settings, db: Database) -> None:
    app = create_app(settings, db=db)

    @app.get("/v1/explode")
    def explode() -> None:
        raise RuntimeError("a bug")

    with serving(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/v1/explode")
        first = connection.getresponse()
        body = json.loads(first.read())
        assert first.status == 500 and body["error"]["code"] == "internal_error"
        assert (first.getheader("connection") or "").lower() != "close"
        connection.request("GET", "/v1/health")  # the same socket
        second = connection.getresponse()
        assert second.status == 200 and second.read()
        connection.close()
