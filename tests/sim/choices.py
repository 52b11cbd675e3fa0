"""Every decision of a simulation (the world, the workload, the schedule, the faults) is one of these draws.

Drawn from `random.Random(seed)`, a run is replayed by its seed; drawn from Hypothesis, a failing run shrinks:
each draw shrinks towards its low end, which is chosen to mean the simpler history (the first till, no fault,
the smallest amount).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


class Choices(Protocol):
    def integer(self, low: int, high: int) -> int: ...


def pick(choices: Choices, items: Sequence[T]) -> T:
    return items[choices.integer(0, len(items) - 1)]


def chance(choices: Choices, percent: int) -> bool:
    """True `percent` times in 100; shrinks to False."""
    return choices.integer(0, 99) >= 100 - percent


class Seeded:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self._random.randint(low, high)


class Drawn:
    """Draws from a Hypothesis `data` object (from the test's own thread only)."""

    seed = 0

    def __init__(self, data: Any) -> None:
        self._data = data

    def integer(self, low: int, high: int) -> int:
        value: int = self._data.draw(st.integers(low, high))
        return value


class Scripted:
    """Draws written down (a shrunk history kept as a regression test), then the lowest value of each draw."""

    seed = 0

    def __init__(self, draws: Sequence[int]) -> None:
        self._draws = list(draws)

    def integer(self, low: int, high: int) -> int:
        value = self._draws.pop(0) if self._draws else low
        assert low <= value <= high, f"the written draw {value} is outside {low}..{high}"
        return value
