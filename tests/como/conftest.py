"""Each test's tickets get their own `openTime` (a ticket sent again within a test keeps its first)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.como import helpers


@pytest.fixture(autouse=True)
def fresh_open_times() -> Iterator[None]:
    helpers._opened.clear()
    yield
