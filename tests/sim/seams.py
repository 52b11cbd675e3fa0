"""The simulation's hold on the house: its clock, its ids, its process caches and a wiped database between runs.

The clock, the ids and the retry backoff are seams in the code (`loyalty.db.clock.clock`, `loyalty.db.ids.make`,
`loyalty.db.engine.backoff`; request ids come from `uuid.uuid4`); the caches are the ones a process keeps between
requests (the rule index, the punch cards and tiers per rules version, the keys).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import text

from loyalty.campaigns import rulebook
from loyalty.db import clock as house_clock
from loyalty.db import engine as db_engine
from loyalty.db import ids as house_ids
from loyalty.db import models
from loyalty.db.engine import Database
from loyalty.members import access, tiers
from loyalty.wallet.punch_cards import cards as punch_cards

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


class SimClock:
    """Time that moves only when read (a millisecond each time) or when the simulation jumps it."""

    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += timedelta(milliseconds=1)
            return self._now

    def jump(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


class Ids:
    """Version 4 UUIDs from a seeded generator: the same run makes the same ids."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(f"ids-{seed}")
        self._lock = threading.Lock()

    def __call__(self) -> uuid.UUID:
        with self._lock:
            return uuid.UUID(int=self._random.getrandbits(128), version=4)


@contextmanager
def simulated(seed: int) -> Iterator[SimClock]:
    """The simulated clock, ids and backoff in place for one run; the real ones back afterwards."""
    clock = SimClock()
    saved = house_clock.clock, house_ids.make, uuid.uuid4, db_engine.backoff
    house_clock.clock = clock
    house_ids.make = uuid.uuid4 = Ids(seed)  # type: ignore[assignment]
    db_engine.backoff = lambda attempt: clock.jump(0.005 * 2**attempt)
    try:
        yield clock
    finally:
        house_clock.clock, house_ids.make, uuid.uuid4, db_engine.backoff = saved  # type: ignore[assignment]


def clear_caches(app: FastAPI) -> None:
    """Forget what the process remembers between requests, as a restarted worker would."""
    for cache in (rulebook._index_cache, punch_cards._active_cache, tiers._ladders):
        cache.clear()
    app.state.keys = access.KeyCache()


def wipe(db: Database) -> None:
    """Every row gone (the schema's version kept), so a seed runs on the database it ran on before."""
    tables = [table.name for table in models.Base.metadata.sorted_tables]
    with db.writer.begin() as connection:
        if db.is_sqlite:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            connection.execute(text("SET LOCAL lock_timeout = '20s'"))  # a till left behind fails loudly
            connection.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in tables)))
