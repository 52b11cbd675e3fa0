"""Request dependencies: the database and the caller's key.

A key is known by its hash from a process-local cache of the facts that never change (`access.KeyCache`); whether
it is still valid is asked of the database in the request's own transaction: the database a route gets is a
`KeyedDatabase` (`members.keyed`), whose every transaction starts with the one statement that checks the key and
reads the business (`access.still_valid`). A route cannot forget the check: the routes that take a key take it through
`principal`, which, should the route have opened no transaction, checks the key before the answer leaves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from loyalty.db.clock import now
from loyalty.members import access
from loyalty.members.access import KeyInvalid, KeyKindRefused, Principal
from loyalty.members.keyed import KeyedDatabase
from loyalty.settings import Settings

__all__ = ["KeyedDatabase", "admin", "admin_or_pos", "database", "pos", "principal", "require", "settings_of"]
bearer = HTTPBearer(auto_error=False, description="An admin, pos or member key.")


_KEYED = "loyalty.keyed_database"


def _keyed(request: Request) -> KeyedDatabase:
    """The request's one KeyedDatabase, read from its scope by `database`, `principal` and `require` alike, so
    they need no dependency on each other (FastAPI solves every dependency of every dependency anew each time)."""
    db: KeyedDatabase | None = request.scope.get(_KEYED)
    if db is None:
        db = request.scope[_KEYED] = KeyedDatabase(request.app.state.db)
    return db


async def database(request: Request) -> KeyedDatabase:
    return _keyed(request)


async def settings_of(request: Request) -> Settings:  # async: a sync dependency runs in a worker thread
    settings: Settings = request.app.state.settings
    return settings


async def principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> AsyncIterator[Principal]:
    raw = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    if not raw:
        raise KeyInvalid("no key")
    db = _keyed(request)
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

    async def check(request: Request, who: Principal = Depends(principal, scope="function")) -> Principal:
        if who.kind not in kinds:
            db = _keyed(request)
            if not db.key_checked:
                await run_in_threadpool(db.check_key)  # a revoked key is a 401 whatever its kind
            raise KeyKindRefused(f"This needs a key of kind {' or '.join(kinds)}, not {who.kind}.")
        return who

    return check


admin = require("admin")
pos = require("pos")
admin_or_pos = require("admin", "pos")
