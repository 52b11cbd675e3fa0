"""A write made without a synchronous standby is acknowledged only when no other node of the URL takes writes
(db/witness.py): two primaries at once mean the write may be lost, and the till hears 503 `outcome_unknown`.

PostgreSQL only. The test server has no standby (`synchronous_standby_names` is empty), as a primary left alone
has; the URL's second host is the same server under another name (a second node that takes writes) or a port
where nothing listens (a node that is gone).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.witness import Witness
from loyalty.settings import Settings
from tests.conftest import BACKEND, Tenant

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a multi-host PostgreSQL URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def two_hosts(url: str, second: str) -> str:
    """`url`'s server first, then `second`, as a failover URL lists its nodes."""
    parsed = make_url(url)
    first = f"{parsed.host}:{parsed.port}"
    return f"postgresql+psycopg://{parsed.username}@/{parsed.database}?host={first}&host={second}"


@pytest.fixture
def till_on() -> Iterator[Callable[[str], TestClient]]:
    made: list[tuple[TestClient, Database]] = []

    def open_till(url: str) -> TestClient:
        db = Database(url)
        client = TestClient(create_app(Settings(database_url=url), db=db), raise_server_exceptions=False)
        made.append((client.__enter__(), db))
        return client

    yield open_till
    for client, db in made:
        client.__exit__(None, None, None)
        db.dispose()


def sale(transaction_id: str) -> dict[str, object]:
    return {
        "transaction_id": transaction_id,
        "items": [{"line_id": "1", "code": "TICKET", "quantity": 1, "amount": "12.00"}],
        "payments": [{"mop": "card", "amount": "12.00"}],
    }


def test_a_second_node_taking_writes_makes_every_write_an_unknown_outcome(
    database_url: str, tenant: Tenant, till_on: Callable[[str], TestClient]
) -> None:
    port = make_url(database_url).port
    till = till_on(two_hosts(database_url, f"localhost:{port}"))
    answer = till.post("/v1/purchases", headers=tenant.pos, json=sale("split-1"))
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "outcome_unknown" and answer.headers["Retry-After"]
    # Every write, not only sales: the check is the database's, under every door.
    member = till.post("/v1/members", headers=tenant.admin, json={"phone": "+41 79 555 77 01"})
    assert member.status_code == 503 and member.json()["error"]["code"] == "outcome_unknown"


def test_a_node_that_is_gone_leaves_the_primary_alone_and_selling(
    database_url: str, tenant: Tenant, till_on: Callable[[str], TestClient]
) -> None:
    till = till_on(two_hosts(database_url, f"127.0.0.1:{free_port()}"))
    first = till.post("/v1/purchases", headers=tenant.pos, json=sale("alone-1"))
    assert first.status_code == 201, first.text
    again = till.post("/v1/purchases", headers=tenant.pos, json=sale("alone-1"))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_one_host_needs_no_witness(database_url: str) -> None:
    assert Witness.of(database_url) is None
    assert Witness.of("postgresql+psycopg://u@/db?host=a:1&host=b:2") is not None
