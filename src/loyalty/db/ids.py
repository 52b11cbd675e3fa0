"""Row ids: UUIDs that begin with the millisecond they were made in (RFC 9562, version 7).

A purchase adds rows to a dozen tables, each indexed by its id and by ids of other rows. A random id (version 4)
puts each new row on a random page of each such index, so every purchase changed pages all over the file (each
written to SQLite's WAL and synced, or to PostgreSQL's), and, once the tables outgrow memory, read them in first.
Ids in the order they are made put the rows of a moment side by side at the end of each index. Their other 74 bits
are random: an id cannot be guessed from another.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable

_VERSION_AND_VARIANT = (0x7 << 76) | (0x2 << 62)
_RANDOM = ~((0xF << 76) | (0x3 << 62)) & ((1 << 80) - 1)  # the 80 low bits, less the version's and variant's


def time_ordered() -> uuid.UUID:
    """48 bits of Unix time in milliseconds, then the version, the variant and 74 random bits."""
    milliseconds = time.time_ns() // 1_000_000
    random = int.from_bytes(os.urandom(10)) & _RANDOM
    return uuid.UUID(int=(milliseconds << 80) | random | _VERSION_AND_VARIANT)


make: Callable[[], uuid.UUID] = time_ordered  # a seam, as the clock is: a simulation makes its ids from a seed


def new_id() -> uuid.UUID:
    """A new row id."""
    return make()
