"""When the database goes away: health for load balancers, 503s that tell the truth about a write, and retries
with the same key that record once, even when the connection broke right after COMMIT was sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import Event, LedgerTransaction, PointsPayment, Purchase
from loyalty.settings import Settings
from tests.conftest import BACKEND, Tenant, make_tenant
from tests.pos.test_sale_flow import ok, sale, shop
from tests.rules_api.test_events_and_joining import review_rule
from tests.support.proxy import CommitCuttingProxy
from tests.support.server import free_port


@pytest.fixture
def gone_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app in front of a database that cannot be reached: a closed port, or a SQLite file that cannot open."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path / 'no such folder' / 'loyalty.db'}"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/loyalty?connect_timeout=2"
    with TestClient(create_app(Settings(database_url=url)), raise_server_exceptions=False) as client:
        yield client


def test_live_answers_without_the_database_while_ready_says_503_with_retry_after(gone_client: TestClient) -> None:
    live = gone_client.get("/v1/health/live")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    ready = gone_client.get("/v1/health/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "down"
    assert int(ready.headers["Retry-After"]) > 0
    assert gone_client.get("/v1/health").status_code == 503  # the older combined answer, unchanged


def test_ready_is_200_when_the_database_answers_and_its_schema_is_current(tenant: Tenant) -> None:
    ready = tenant.client.get("/v1/health/ready")
    assert ready.status_code == 200 and ready.json()["schema_current"] is True


def test_a_write_while_the_database_is_gone_says_it_may_have_been_recorded(gone_client: TestClient) -> None:
    key = {"Authorization": "Bearer pos_whatever"}
    answer = gone_client.post("/v1/purchases", headers=key, json=sale(None, "T-1"))
    assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
    error = answer.json()["error"]
    assert error["code"] == "outcome_unknown"
    assert "may have been recorded" in error["message"] and "Idempotency-Key" in error["message"]
    read = gone_client.get(f"/v1/members/{uuid.uuid4()}", headers=key)
    assert read.status_code == 503 and read.json()["error"]["code"] == "database_unavailable"
    assert "Retry-After" in read.headers


def test_a_points_payment_without_an_idempotency_key_is_refused_naming_the_header(tenant: Tenant) -> None:
    made = shop(tenant)
    body = {"member_id": made["member"]["id"], "transaction_id": "K-1", "amount": "1.00"}
    for headers in (tenant.pos, tenant.pos | {"Idempotency-Key": ""}):
        refused = tenant.client.post("/v1/payments", headers=headers, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"]["field"] == "idempotency-key"
    balance = ok(tenant.client.get(f"/v1/members/{made['member']['id']}", headers=tenant.pos))["points_balance"]
    assert Decimal(balance) == 20  # nothing was paid


def test_a_payment_key_reused_for_another_transaction_is_a_conflict(tenant: Tenant) -> None:
    made = shop(tenant)
    headers = tenant.pos | {"Idempotency-Key": "same-key"}
    member_id = made["member"]["id"]
    ok(tenant.client.post("/v1/payments", headers=headers, json=_payment(member_id, "K-2")), 201)
    reused = tenant.client.post("/v1/payments", headers=headers, json=_payment(member_id, "K-3"))
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_conflict"


def _payment(member_id: str, transaction_id: str, amount: str = "2.00") -> dict[str, Any]:
    return {"member_id": member_id, "transaction_id": transaction_id, "amount": amount}


@pytest.fixture
def cut_at_commit(fresh_database_url: str) -> Iterator[tuple[CommitCuttingProxy, TestClient, Tenant, Database]]:
    """The app talking to PostgreSQL through the proxy; a direct connection to check what was recorded."""
    if BACKEND == "sqlite":
        pytest.skip("SQLite has no connection to lose: this is PostgreSQL's failure")
    url = make_url(fresh_database_url)
    proxy = CommitCuttingProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    direct, through_proxy = Database(fresh_database_url), Database(proxied)
    with TestClient(create_app(Settings(database_url=proxied), db=through_proxy)) as client:
        yield proxy, client, make_tenant(direct, client), direct
    through_proxy.dispose()
    direct.dispose()
    proxy.close()


def test_a_purchase_whose_commit_answer_is_lost_is_unknown_and_its_retry_records_it_once(
    cut_at_commit: tuple[CommitCuttingProxy, TestClient, Tenant, Database],
) -> None:
    proxy, client, tenant, direct = cut_at_commit
    made = shop(tenant)
    body = sale(made["member"]["id"], "U-1")
    proxy.arm()
    lost = client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert proxy.cuts == 1
    assert lost.status_code == 503 and int(lost.headers["Retry-After"]) > 0
    assert lost.json()["error"]["code"] == "outcome_unknown"
    assert "may have been recorded" in lost.json()["error"]["message"]
    with direct.read() as session:  # it was: COMMIT reached the server before the cut
        assert session.scalar(select(func.count()).where(Purchase.transaction_id == "U-1")) == 1
    retried = client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert retried.status_code == 200, retried.text  # the replay of the recorded purchase
    again = client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert again.content == retried.content
    business_id = uuid.UUID(tenant.business_id)
    with direct.read() as session:
        purchases = session.scalar(
            select(func.count()).where(Purchase.business_id == business_id, Purchase.transaction_id == "U-1")
        )
        earnings = session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.business_id == business_id, LedgerTransaction.kind == "earn")
        )
    assert purchases == 1 and earnings == 1


def test_a_points_payment_whose_commit_answer_is_lost_pays_once_when_retried_with_its_key(
    cut_at_commit: tuple[CommitCuttingProxy, TestClient, Tenant, Database],
) -> None:
    proxy, client, tenant, direct = cut_at_commit
    made = shop(tenant)
    member_id = made["member"]["id"]
    headers = tenant.pos | {"Idempotency-Key": "U-2-pay-1"}
    proxy.arm()
    lost = client.post("/v1/payments", headers=headers, json=_payment(member_id, "U-2", "3.00"))
    assert proxy.cuts == 1 and lost.status_code == 503
    assert lost.json()["error"]["code"] == "outcome_unknown" and "Retry-After" in lost.headers
    retried = ok(client.post("/v1/payments", headers=headers, json=_payment(member_id, "U-2", "3.00")), 200)
    assert retried["amount"] == "3.00" and Decimal(retried["points_balance"]) == 17
    with direct.read() as session:
        paid = session.scalars(
            select(PointsPayment).where(PointsPayment.business_id == uuid.UUID(tenant.business_id))
        ).all()
    assert [str(payment.id) for payment in paid] == [retried["id"]]


def test_a_connection_lost_before_commit_is_retried_inside_and_the_till_sees_one_purchase(
    cut_at_commit: tuple[CommitCuttingProxy, TestClient, Tenant, Database],
) -> None:
    proxy, client, tenant, direct = cut_at_commit
    made = shop(tenant)
    proxy.arm(before=b"INSERT INTO purchase ")
    answered = client.post("/v1/purchases", headers=tenant.pos, json=sale(made["member"]["id"], "U-3"))
    assert proxy.cuts == 1
    assert answered.status_code == 201, answered.text  # nothing had been committed: safe to run again at once
    with direct.read() as session:
        assert session.scalar(select(func.count()).where(Purchase.transaction_id == "U-3")) == 1


def test_a_connection_lost_while_the_queued_writes_go_is_retried_inside_too(
    cut_at_commit: tuple[CommitCuttingProxy, TestClient, Tenant, Database],
) -> None:
    """The purchase's audit record goes with its other queued writes (on PostgreSQL in one pipeline), after the
    statements whose answers were read: a connection lost there is lost before COMMIT, and run again."""
    proxy, client, tenant, direct = cut_at_commit
    made = shop(tenant)
    proxy.arm(before=b"INSERT INTO audit_record ")
    answered = client.post("/v1/purchases", headers=tenant.pos, json=sale(made["member"]["id"], "U-3b"))
    assert proxy.cuts == 1
    assert answered.status_code == 201, answered.text
    with direct.read() as session:
        assert session.scalar(select(func.count()).where(Purchase.transaction_id == "U-3b")) == 1


def test_an_event_whose_commit_answer_is_lost_earns_once_when_retried_with_its_key(
    cut_at_commit: tuple[CommitCuttingProxy, TestClient, Tenant, Database],
) -> None:
    proxy, client, tenant, direct = cut_at_commit
    client.post("/v1/rules", json=review_rule(), headers=tenant.admin).raise_for_status()
    member_id = ok(client.post("/v1/members", headers=tenant.admin, json={"phone": "+41 79 555 08 08"}), 201)["id"]
    headers = tenant.pos | {"Idempotency-Key": "U-4-review"}
    body = {"member_id": member_id, "name": "review_written"}
    proxy.arm()
    lost = client.post("/v1/events", headers=headers, json=body)
    assert proxy.cuts == 1 and lost.status_code == 503 and lost.json()["error"]["code"] == "outcome_unknown"
    retried = ok(client.post("/v1/events", headers=headers, json=body), 200)
    assert Decimal(retried["points_balance"]) == 20
    with direct.read() as session:
        events = select(func.count()).select_from(Event).where(Event.member_id == uuid.UUID(member_id))
        assert session.scalar(events) == 1
