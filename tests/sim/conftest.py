"""The simulator's ground: a database of its own (wiped before each run) and the app in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from loyalty.api.app import create_app
from loyalty.db import migrate
from loyalty.db.engine import Database
from loyalty.settings import Settings
from tests.conftest import _new_database_url


@pytest.fixture(scope="module")
def sim_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = _new_database_url(tmp_path_factory)
    migrate.upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def sim_app(sim_db: Database) -> FastAPI:
    return create_app(Settings(database_url=sim_db.url), db=sim_db)


@pytest.fixture
def sim_seed(request: pytest.FixtureRequest) -> int | None:
    """The one seed to replay (`pytest tests/sim --sim-seed=N`), or None for the sweep."""
    seed: int | None = request.config.getoption("--sim-seed")
    return seed
