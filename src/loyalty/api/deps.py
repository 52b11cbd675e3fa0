"""Request dependencies: the database and the caller's key.

A key is known by its hash from a process-local cache of the facts that never change (`access.KeyCache`); whether
it is still valid is asked of the database in the request's own transaction: the database a route gets is a
`KeyedDatabase`, and every transaction it opens starts with the one statement that checks the key and reads the
business (`access.still_valid`). A route cannot forget the check: the routes that take a key take it through
`principal`, which, should the route have opened no transaction, checks the key before the answer leaves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from loyalty.db.engine import Database, is_connection_lost
from loyalty.db.models import now
from loyalty.members import access
from loyalty.members.access import KeyInvalid, KeyKindRefused, Principal

T = TypeVar("T")
bearer = HTTPBearer(auto_error=False, description="An admin, pos or member key.")


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
            # Held by the session (its identity map holds objects weakly), so access.business finds it there.
            session.info["caller_business"] = access.still_valid(session, who, at=now())
        except KeyInvalid:
            self.key_checked = True
            raise
        self.key_checked = True


async def database(request: Request) -> KeyedDatabase:
    return KeyedDatabase(request.app.state.db)


async def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    db: KeyedDatabase = Depends(database),
) -> AsyncIterator[Principal]:
    raw = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    if not raw:
        raise KeyInvalid("no key")
    keys: access.KeyCache = request.app.state.keys
    who = keys.get(raw)
    if who is None:
        who = await run_in_threadpool(db.identify, raw, keys)
    elif who.expired(now()):
        raise KeyInvalid("expired key")
    db.who = who
    try:
        yield who
    finally:
        if not db.key_checked:
            await run_in_threadpool(db.check_key)


def require(*kinds: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only keys of these kinds (403 for any other kind)."""

    async def check(
        who: Principal = Depends(principal, scope="function"), db: KeyedDatabase = Depends(database)
    ) -> Principal:
        if who.kind not in kinds:
            if not db.key_checked:
                await run_in_threadpool(db.check_key)  # a revoked key is a 401 whatever its kind
            raise KeyKindRefused(f"This needs a key of kind {' or '.join(kinds)}, not {who.kind}.")
        return who

    return check


admin = require("admin")
pos = require("pos")
admin_or_pos = require("admin", "pos")
