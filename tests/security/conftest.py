"""A shop whose messages to members land in an outbox the test reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.outbox import Outbox


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def shop(settings: Settings, db: Database, outbox: Outbox) -> Iterator[Tenant]:
    app = create_app(settings, db=db)
    app.state.notifier = outbox
    with TestClient(app, raise_server_exceptions=False) as client:
        yield make_tenant(db, client)
