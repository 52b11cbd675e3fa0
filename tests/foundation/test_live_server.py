"""`loyalty serve` as a real process: it migrates, serves, and survives a SIGKILL."""

from __future__ import annotations

import httpx

from tests.conftest import create_tenant_via_cli
from tests.support.server import LiveServer


def test_a_served_business_answers_and_comes_back_after_a_kill(live_server: LiveServer) -> None:
    tenant = create_tenant_via_cli(live_server.database_url)
    headers = {"Authorization": f"Bearer {tenant['admin_key']}"}
    assert httpx.get(f"{live_server.url}/v1/business", headers=headers).json()["id"] == tenant["business_id"]
    live_server.kill()
    live_server.start()
    assert httpx.get(f"{live_server.url}/v1/business", headers=headers).status_code == 200
