"""SQLite syncs its WAL at each commit by default (an acknowledged sale survives a power cut); NORMAL is a choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalty.db.engine import Database
from loyalty.settings import Settings, SettingsInvalid

LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def synchronous(path: Path) -> str:
    db = Database(f"sqlite:///{path}")
    try:
        with db.writer.connect() as connection:
            return LEVELS[int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())]
    finally:
        db.dispose()


def test_full_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOYALTY_SQLITE_SYNCHRONOUS", raising=False)
    assert synchronous(tmp_path / "a.db") == "FULL"


def test_normal_when_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_SQLITE_SYNCHRONOUS", "normal")
    assert synchronous(tmp_path / "b.db") == "NORMAL"


def test_anything_else_stops_the_start() -> None:
    with pytest.raises(SettingsInvalid, match="LOYALTY_SQLITE_SYNCHRONOUS"):
        Settings.from_env({"LOYALTY_SQLITE_SYNCHRONOUS": "OFF"})
