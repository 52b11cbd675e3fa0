"""Fixtures and calls of the webhook tests: a client whose settings allow the local receiver's address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from loyalty.webhooks import delivery
from tests.conftest import Tenant, make_tenant
from tests.lots.helpers import shop


@pytest.fixture(scope="module")
def hooks_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    allowing = Settings(database_url=settings.database_url, webhooks_allow_private=True)
    with TestClient(create_app(allowing, db=db), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def venue(db: Database, hooks_client: TestClient) -> Tenant:
    made = make_tenant(db, hooks_client)
    shop(made)
    return made


def subscribe(tenant: Tenant, url: str, events: list[str] | None = None) -> dict[str, str]:
    answer = tenant.client.post("/v1/webhooks", json={"url": url, "events": events or ["*"]}, headers=tenant.admin)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def deliveries(tenant: Tenant, endpoint_id: str) -> list[dict[str, object]]:
    answer = tenant.client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def deliver(db: Database, at: datetime | None = None) -> int:
    return delivery.deliver_due(db, allow_private=True, at=at, limit=100)
