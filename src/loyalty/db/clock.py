"""The time the house runs on: every `now()` and every column default reads `clock`.

One seam for all of it, so a simulation (tests/sim) can put a clock of its own here and replay a run exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

clock: Callable[[], datetime] = partial(datetime.now, UTC)


def now() -> datetime:
    return clock()
