"""What a bulk load (an import of a million members) needs from the database besides its INSERTs.

PostgreSQL plans from statistics autovacuum refreshes only now and then: a business's members read by a list of
external ids are taken for a handful of rows until then, and its lookups scan every member the import has written
so far, each batch slower than the last. SQLite plans by its indexes alone, but its page cache (2 MB by default)
is far smaller than one batch's inserts into random places of a dozen indexes: pages are spilled to the WAL and
read back many times within one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from loyalty.db.rows import cast_table

CACHE_KB = 65_536  # SQLite's page cache during a bulk load
DEFAULT_CACHE = -2000  # SQLite's own default (2 MB), which the engine keeps


def refresh_statistics(session: Session, *models: type[Any]) -> None:
    """ANALYZE the tables of `models` (PostgreSQL; nothing on SQLite)."""
    if session.connection().dialect.name != "postgresql":
        return
    for model in models:
        session.execute(text(f"ANALYZE {cast_table(model).name}"))


def enlarge_cache(session: Session) -> None:
    """SQLite: this connection's page cache made large enough to keep the indexes' upper pages from batch to batch
    (a bound, not a size: memory stays flat with the length of the file). Nothing on PostgreSQL, whose shared
    buffers the server sizes."""
    if session.connection().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{CACHE_KB}"))


def restore_cache(session: Session) -> None:
    """SQLite: the page cache back to its usual size once the load is over (on the pooled connection the last
    write used, as a rule the one the load used: writes take turns on one connection)."""
    if session.connection().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size={DEFAULT_CACHE}"))
