"""Request dependencies: the database and the caller's key."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loyalty import access
from loyalty.access import KeyKindRefused, Principal
from loyalty.db.engine import Database

bearer = HTTPBearer(auto_error=False, description="An admin, pos or member key.")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def principal(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    db: Database = Depends(database),
) -> Principal:
    raw = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    with db.read() as session:
        return access.authenticate(session, raw)


def require(*kinds: str) -> Callable[[Principal], Principal]:
    """A dependency that admits only keys of these kinds (403 for any other kind)."""

    def check(who: Principal = Depends(principal)) -> Principal:
        if who.kind not in kinds:
            raise KeyKindRefused(f"This needs a key of kind {' or '.join(kinds)}, not {who.kind}.")
        return who

    return check


admin = require("admin")
pos = require("pos")
admin_or_pos = require("admin", "pos")
