"""A served process's long-lived objects, kept out of the garbage collector's full collections."""

from __future__ import annotations

import gc


def settle() -> None:
    """Run once a served process is built, before its first request (a startup handler of `app_from_env`).

    What is alive then (the application, its routes, models and mappers: some 200,000 objects) lives as long as
    the process. A full collection walked all of it again, about 75 ms during which no answer was made, falling
    on whichever purchases were in flight: the slow tail of every busy till. Frozen, those objects are no longer
    walked; the collector still reclaims everything made after (docs/performance.md, "Round 5")."""
    gc.collect()
    gc.freeze()
