"""One request's view of the database, for a caller known by a key: every transaction it opens begins with the
one statement that checks the key and reads the business (`access.still_valid`), whichever door opened it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from loyalty.db.clock import now
from loyalty.db.engine import Database, is_connection_lost
from loyalty.members import access
from loyalty.members.access import KeyInvalid, Principal

T = TypeVar("T")


class KeyedDatabase(Database):
    """One request's view of the database: once `who` is set, each transaction begins by checking that key."""

    def __init__(self, db: Database) -> None:
        self.__dict__.update(db.__dict__)  # the same engines, sessions and writer queue: nothing is opened
        self.who: Principal | None = None
        self.key_checked = False  # the database has answered for the key in this request

    def write(self, work: Callable[[Session], T]) -> T:
        who = self.who
        if who is None:
            return super().write(work)

        def checked(session: Session) -> T:
            self._check(session, who)
            return work(session)

        return super().write(checked)

    @contextmanager
    def read(self) -> Iterator[Session]:
        who = self.who
        if who is None:
            with super().read() as session:
                yield session
            return
        for attempt in (1, 2):
            with super().read() as session:
                try:
                    self._check(session, who)
                except DBAPIError as error:
                    # The first statement found a connection the database had dropped (a restart, a failover):
                    # nothing has been read yet, so a fresh connection can simply start again.
                    if attempt == 2 or not is_connection_lost(error):
                        raise
                    continue
                yield session
                return

    def check_key(self) -> None:
        """The key check on its own, for a request that opened no transaction."""
        with self.read():
            pass

    def identify(self, raw: str, keys: access.KeyCache) -> Principal:
        """A key this process has not seen yet: looked up (and checked) in a read of its own, then remembered."""
        for attempt in (1, 2):
            try:
                with super().read() as session:
                    who = access.authenticate(session, raw)
                break
            except DBAPIError as error:  # as in read(): a connection found dropped, nothing read yet
                if attempt == 2 or not is_connection_lost(error):
                    raise
        keys.remember(raw, who)
        self.key_checked = True
        return who

    def _check(self, session: Session, who: Principal) -> None:
        try:
            access.still_valid(session, who, at=now())  # which keeps the business for access.business
        except KeyInvalid:
            self.key_checked = True
            raise
        self.key_checked = True
