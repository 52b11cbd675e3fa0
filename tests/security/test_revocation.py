"""A revoked key is refused at once, by every route and every worker, although each process keeps what it knows of
a key in memory: the cache holds what a key is, never whether it is still valid."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import update

from loyalty.api import deps
from loyalty.api.como.caller import KeyedRoute
from loyalty.db.engine import Database
from loyalty.db.models import ApiKey, now
from loyalty.members import access
from tests.conftest import Tenant, create_tenant_via_cli
from tests.support.server import LiveServer
from tests.support.statements import Statements

PHONE = "+41 79 555 31 31"


def new_key(tenant: Tenant, kind: str, db: Database) -> tuple[str, str]:
    """A fresh key of `kind` (a member key for a member of the tenant), and its id."""
    if kind == "member":
        made = tenant.client.post("/v1/members", json={"phone": PHONE}, headers=tenant.admin)
        member_id = uuid.UUID(made.json()["id"]) if made.status_code == 201 else None
        if member_id is None:
            found = tenant.client.get("/v1/members", params={"q": PHONE}, headers=tenant.admin)
            member_id = uuid.UUID(found.json()["items"][0]["id"])
        business_id = uuid.UUID(tenant.business_id)
        raw, key = db.write(
            lambda session: access.issue_key(session, business_id=business_id, kind="member", member_id=member_id)
        )
        return raw, str(key.id)
    body: dict[str, Any] = {"kind": kind, "name": f"temporary {kind}"}
    if kind == "pos":
        body["terminal_id"] = tenant.terminal_id
    made = tenant.client.post("/v1/api-keys", json=body, headers=tenant.admin)
    assert made.status_code == 201, made.text
    return made.json()["key"], made.json()["id"]


def revoke(tenant: Tenant, key_id: str) -> None:
    assert tenant.client.post(f"/v1/api-keys/{key_id}/revoke", headers=tenant.admin).status_code == 200


def keyed_routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(method, path, como) of every route that takes a key, path parameters filled with fresh ids."""

    def calls(dependant: Any) -> Iterator[Any]:
        yield dependant.call
        for sub in dependant.dependencies:
            yield from calls(sub)

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for route in routes:
            if hasattr(route, "original_router"):  # an included router
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                yield prefix, route

    for prefix, route in walk(app.routes, ""):
        if not isinstance(route, APIRoute):
            continue
        como = isinstance(route, KeyedRoute)
        if not como and deps.principal not in set(calls(route.dependant)):
            continue
        for method in sorted(route.methods):
            yield method, re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), prefix + route.path), como


def answer(client: TestClient, method: str, path: str, key: str, como: bool) -> httpx.Response:
    headers = {"X-Api-Key": key} if como else {"Authorization": f"Bearer {key}"}
    body = None if method in ("GET", "DELETE") else {}
    return client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize("kind", ["admin", "pos", "member"])
def test_every_route_that_takes_a_key_refuses_a_revoked_one_at_once(tenant: Tenant, db: Database, kind: str) -> None:
    app = tenant.client.app
    assert isinstance(app, FastAPI)
    raw, key_id = new_key(tenant, kind, db)
    routes = [route for route in keyed_routes(app) if kind == "pos" or not route[2]]  # Como takes pos keys only
    assert len(routes) > 60
    refused_while_valid = [
        (method, path)
        for method, path, como in routes
        if not path.endswith("/logout")  # which revokes the key
        and answer(tenant.client, method, path, raw, como).status_code == 401
    ]
    assert refused_while_valid == []  # so each 401 below is the revocation's
    assert app.state.keys.get(raw) is not None  # known to this process: no lookup will notice the revocation
    revoke(tenant, key_id)
    answered = {(method, path): answer(tenant.client, method, path, raw, como) for method, path, como in routes}
    assert {route: got.status_code for route, got in answered.items() if got.status_code != 401} == {}
    for got in answered.values():
        if got.request.url.path.startswith("/v1"):
            assert got.json()["error"]["code"] == "unauthorized"


def test_a_revoked_key_is_401_before_its_body_kind_or_parameters_are_judged(tenant: Tenant, db: Database) -> None:
    raw, key_id = new_key(tenant, "pos", db)
    pos = tenant.headers(raw)
    member = tenant.client.post("/v1/members", json={"phone": PHONE}, headers=pos).json()["id"]
    # Answers that a valid key gets without any transaction being opened: 422s, a 403 for the wrong kind.
    cases = [
        ("POST", "/v1/members", {"phone": "+41 79 555 31 32", "tags": ["vip"]}),  # tags: an admin's
        ("POST", "/v1/members", {"phone": 7}),
        ("GET", "/v1/members/not-an-id", None),
        ("GET", "/v1/api-keys", None),
    ]
    before = [tenant.client.request(method, path, json=body, headers=pos).status_code for method, path, body in cases]
    assert before == [422, 422, 422, 403]
    assert tenant.client.get(f"/v1/members/{member}", headers=pos).status_code == 200
    revoke(tenant, key_id)
    after = [tenant.client.request(method, path, json=body, headers=pos).status_code for method, path, body in cases]
    assert after == [401, 401, 401, 401]
    assert tenant.client.get(f"/v1/members/{member}", headers=pos).status_code == 401
    como = {"X-Api-Key": raw, "Content-Type": "application/json"}
    malformed = tenant.client.post("/api/v4/getMemberDetails", content=b"{not json", headers=como)
    assert malformed.status_code == 401 and malformed.json()["errors"][0]["code"] == "401"


def test_an_expired_key_known_to_the_process_is_401(tenant: Tenant, db: Database) -> None:
    raw, key_id = new_key(tenant, "admin", db)
    assert tenant.client.get("/v1/business", headers=tenant.headers(raw)).status_code == 200
    db.write(
        lambda session: session.execute(
            update(ApiKey).where(ApiKey.id == uuid.UUID(key_id)).values(expires_at=now() - timedelta(seconds=1))
        )
    )
    assert tenant.client.get("/v1/business", headers=tenant.headers(raw)).status_code == 401


def test_a_known_key_and_its_business_cost_one_statement_in_the_requests_own_transaction(
    tenant: Tenant, db: Database
) -> None:
    assert tenant.client.get("/v1/business", headers=tenant.admin).status_code == 200  # now known to the process
    with Statements(db) as seen:
        assert tenant.client.get("/v1/business", headers=tenant.admin).status_code == 200
    assert seen.transactions == 1
    assert len(seen.statements) == 1 and "api_key" in seen.statements[0] and "business" in seen.statements[0]


# --- two worker processes ------------------------------------------------------------------------------


@pytest.fixture
def two_workers(fresh_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(fresh_database_url, workers=2, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


def worker_of(server: LiveServer, response: httpx.Response) -> int:
    """The pid of the worker process holding the connection `response` came on."""
    _, client_port = response.extensions["network_stream"].get_extra_info("client_addr")
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, remote_port = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
            if local_port == server.port and remote_port == client_port:
                inodes.add(fields[9])
    assert server.process is not None
    for pid in descendants(server.process.pid):
        try:
            links = {str(fd.readlink()) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return pid
    raise AssertionError("no worker holds this connection")


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def test_a_key_revoked_through_one_worker_is_refused_at_once_by_both(two_workers: LiveServer) -> None:
    made = create_tenant_via_cli(two_workers.database_url)
    admin = {"Authorization": f"Bearer {made['admin_key']}"}
    with httpx.Client(base_url=two_workers.url, headers=admin, timeout=30) as control:
        temporary = control.post("/v1/api-keys", json={"kind": "admin", "name": "temporary"}).json()
    key = {"Authorization": f"Bearer {temporary['key']}"}
    # Keep-alive connections stay with the worker that accepted them: open them until both workers hold one,
    # each having answered the key (so both have it in memory).
    tills: dict[int, httpx.Client] = {}
    spare: list[httpx.Client] = []
    try:
        for _ in range(200):
            client = httpx.Client(base_url=two_workers.url, headers=key, timeout=30)
            answered = client.get("/v1/business")
            assert answered.status_code == 200
            pid = worker_of(two_workers, answered)
            if pid in tills:
                spare.append(client)
            else:
                tills[pid] = client
            if len(tills) == 2:
                break
        assert len(tills) == 2, "the two workers never both took a connection"
        for client in tills.values():  # once more, on the same connection: the key is known to both workers
            assert client.get("/v1/members", params={"limit": 1}).status_code == 200
        revoked = next(iter(tills.values())).post(f"/v1/api-keys/{temporary['id']}/revoke", headers=admin)
        assert revoked.status_code == 200
        for pid, client in tills.items():
            refused = client.get("/v1/business")
            assert refused.status_code == 401, pid
            assert worker_of(two_workers, refused) == pid  # the same worker, on the same connection
            assert client.post("/v1/members", json={"phone": "+41 79 555 31 33"}).status_code == 401
    finally:
        for client in [*tills.values(), *spare]:
            client.close()
