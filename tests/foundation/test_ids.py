"""Row ids are RFC 9562 version 7: they begin with the millisecond they were made in, so ids made later sort
later (as UUIDs on PostgreSQL and as the hex text SQLite keeps), and the rest is random."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from loyalty.db.ids import new_id


def test_an_id_is_version_7_and_carries_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after
    assert datetime.fromtimestamp((made.int >> 80) / 1000, UTC).year >= 2026


def test_ids_made_later_sort_later_as_uuids_and_as_text() -> None:
    earlier = [new_id() for _ in range(50)]
    time.sleep(0.002)
    later = [new_id() for _ in range(50)]
    assert max(earlier) < min(later)
    assert max(made.hex for made in earlier) < min(made.hex for made in later)


def test_ids_of_the_same_millisecond_differ_in_their_random_bits() -> None:
    made = [new_id() for _ in range(10_000)]
    assert len(set(made)) == len(made)
    assert len({m.int & ((1 << 62) - 1) for m in made}) == len(made)
