"""The statements a database is sent, as the tests count them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from loyalty.db import prepared
from loyalty.db.engine import Database


class Statements:
    """The SQL statements and transactions of a database, as SQLAlchemy's events see them, and those sent on the
    driver's cursor (`loyalty.db.prepared.observers`)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[str] = []
        self.transactions = 0

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("BEGIN"):
            self.statements.append(statement)

    def _direct(self, statement: str, _parameters: Any, _queued: bool) -> None:
        self.statements.append(statement)

    def _begin(self, _conn: Any) -> None:
        self.transactions += 1

    def __enter__(self) -> Statements:
        prepared.observers.append(self._direct)
        for engine in {self.db.writer, self.db.reader}:
            event.listen(engine, "before_cursor_execute", self._statement)
            event.listen(engine, "begin", self._begin)
        return self

    def __exit__(self, *_: object) -> None:
        prepared.observers.remove(self._direct)
        for engine in {self.db.writer, self.db.reader}:
            event.remove(engine, "before_cursor_execute", self._statement)
            event.remove(engine, "begin", self._begin)
