"""Test ground: every test runs against a real database, SQLite by default or PostgreSQL when
LOYALTY_TEST_DATABASE=postgresql (the Makefile starts a throwaway cluster and sets LOYALTY_TEST_POSTGRES_URL).

Tests are isolated by business: each gets a fresh business with its own keys, as real tenants are.
Tests that need a whole database to themselves use `fresh_database_url`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.members import access
from loyalty.settings import Settings
from tests.support.server import LiveServer

BACKEND = os.environ.get("LOYALTY_TEST_DATABASE", "sqlite")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--sim-seed", type=int, default=None, help="replay this one seed of the simulator (tests/sim)")


def _new_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if BACKEND == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'loyalty.db'}"
    import psycopg

    server = os.environ.get("LOYALTY_TEST_POSTGRES_URL")
    if not server:
        pytest.fail("LOYALTY_TEST_DATABASE=postgresql needs LOYALTY_TEST_POSTGRES_URL (see scripts/with-postgres.sh)")
    name = f"loyalty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _new_database_url(tmp_path_factory)
    migrate.upgrade(url)
    return url


@pytest.fixture
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this test's own, migrated."""
    url = _new_database_url(tmp_path_factory)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        yield client


@dataclass(frozen=True)
class Tenant:
    """A business of a test's own, with an HTTP client for each of its keys."""

    business_id: str
    branch_id: str
    terminal_id: str
    admin_key: str
    pos_key: str
    client: TestClient

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.headers(self.admin_key)

    @property
    def pos(self) -> dict[str, str]:
        return self.headers(self.pos_key)


def make_tenant(db: Database, client: TestClient, name: str = "Test shop", currency: str = "CHF") -> Tenant:
    new = db.write(lambda session: access.create_business(session, name=name, currency=currency, country="CH"))
    return Tenant(str(new.business.id), str(new.branch.id), str(new.terminal.id), new.admin_key, new.pos_key, client)


@pytest.fixture
def tenant(db: Database, app_client: TestClient) -> Tenant:
    return make_tenant(db, app_client)


@pytest.fixture
def other_tenant(db: Database, app_client: TestClient) -> Tenant:
    return make_tenant(db, app_client, name="Another shop")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture
def live_server(fresh_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A real server process on a database of its own."""
    server = LiveServer(fresh_database_url, log_path=tmp_path / "server.log").start()
    yield server
    server.stop()


def create_tenant_via_cli(database_url: str, name: str = "Live shop") -> dict[str, str]:
    """A business made by `loyalty business create --json`, for tests against a live server."""
    env = os.environ | {"LOYALTY_DATABASE_URL": database_url}
    made = subprocess.run(
        [sys.executable, "-m", "loyalty", "business", "create", name, "--currency", "CHF", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, str] = json.loads(made.stdout)
    return result
