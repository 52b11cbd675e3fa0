"""`loyalty backup` and `loyalty restore`: a consistent copy taken while the server serves, put back only into an
empty database.

SQLite: the online backup API copies every page in one step under one read transaction, so the copy is the database
as of one commit; in WAL mode writers go on meanwhile. PostgreSQL: `pg_dump` in its custom format, which reads
everything in one snapshot; `pg_restore` puts it back in one transaction. The binaries are the newest installed
under /usr/lib/postgresql/*/bin (a pg_dump older than the server refuses), else those on PATH.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from loyalty.db.engine import is_sqlite

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or restore could not be made; the message says why, for a person."""


def backup(url: str, file: Path) -> None:
    if file.exists():
        raise BackupError(f"{file} exists already; name a new file")
    partial = file.with_name(file.name + ".partial")
    try:
        if is_sqlite(url):
            _sqlite_copy(_sqlite_path(url), partial)
        else:
            _run([_pg_binary("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"], url)
        partial.replace(file)  # a file with the final name is always a whole one
    finally:
        partial.unlink(missing_ok=True)


def restore(url: str, file: Path) -> None:
    """Put `file` back into the database at `url`, which must hold no business yet."""
    if not file.is_file():
        raise BackupError(f"{file} is not a file")
    with file.open("rb") as probe:
        head = probe.read(16)
    if not is_empty(url):
        raise BackupError("the database is not empty: restore only into a new, empty database")
    if is_sqlite(url):
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{file} is not a SQLite backup (made from a PostgreSQL database?)")
        _sqlite_copy(file, _sqlite_path(url))
        return
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{file} is not a pg_dump custom-format backup (made from a SQLite database?)")
    command = [_pg_binary("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists"]
    _run([*command, "--single-transaction", "--exit-on-error", str(file)], url)


def is_empty(url: str) -> bool:
    """No tables yet, or tables without a single business (a freshly migrated database)."""
    engine = create_engine(url)
    try:
        if "business" not in inspect(engine).get_table_names():
            return True
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT count(*) FROM business")).scalar_one() == 0)
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    source_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_db = sqlite3.connect(target)
    try:
        source_db.backup(target_db)  # pages=-1: all in one step, so one snapshot
    finally:
        target_db.close()
        source_db.close()


def _pg_binary(name: str) -> str:
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: _version(p.parent.parent.name))
    if installed:
        return str(installed[-1])
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (the PostgreSQL client tools are needed)")
    return found


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _run(command: list[str], url: str) -> None:
    """`command` against the database at `url`, whose password travels in the environment, not in argv."""
    parts = make_url(url)
    env = os.environ | {
        "PGHOST": parts.host or "",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "",
        "PGDATABASE": parts.database or "",
    }
    if parts.password:
        env["PGPASSWORD"] = str(parts.password)
    done = subprocess.run([*command, f"--dbname={parts.database}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
