"""Tests that move an expiry run into the future get a database of their own: the run covers every business."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant


@pytest.fixture
def own_db(fresh_database_url: str) -> Iterator[Database]:
    database = Database(fresh_database_url)
    yield database
    database.dispose()


@pytest.fixture
def alone(own_db: Database) -> Iterator[Tenant]:
    """A tenant alone in its database."""
    with TestClient(create_app(Settings(database_url=own_db.url), db=own_db), raise_server_exceptions=False) as client:
        yield make_tenant(own_db, client)
