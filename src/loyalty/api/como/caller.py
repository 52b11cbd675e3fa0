"""Who calls a Como route: the pos key in `X-Api-Key` and the till that `X-Branch-Id` + `X-Pos-Id` name; and the
first step of most calls, finding the member (in a transaction of its own, so a failed attempt is counted even when
the call is then refused)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Header, Request, Security
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from loyalty.api.como import membership
from loyalty.api.como.envelope import ComoRoute
from loyalty.api.como.shapes import Answer, Customer
from loyalty.api.deps import KeyedDatabase
from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.members import access, finding, sent_codes, tills
from loyalty.members.access import KeyInvalid, KeyKindRefused, Principal
from loyalty.messages import notify
from loyalty.settings import Settings

TAG = "Como POS API v4"
TAG_METADATA = {
    "name": TAG,
    "description": "Como's POS API v4 for tills that already speak it: base URL `/api/v4/`, a pos key in `X-Api-Key`, "
    '`X-Branch-Id` and `X-Pos-Id` naming the till. Business errors are HTTP 200 with `status: "error"` and string '
    "codes; amounts are integer cents. See docs/como-compatibility.md.",
}
api_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="A loyalty pos key.")

ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Answer, "description": '`status: "ok"` with the call\'s keys, or `status: "error"` with `errors`.'},
    401: {"model": Answer, "description": "Missing or unknown X-Api-Key (code 401)."},
}


@dataclass(frozen=True)
class Caller:
    who: Principal
    till: tills.Till
    db: Database
    settings: Settings
    notifier: notify.Notifier

    @property
    def actor(self) -> str:
        return self.who.actor

    @property
    def principal(self) -> Principal:
        """The caller as the services take it: the key, at the till its headers name."""
        return replace(self.who, branch_id=self.till.branch_id, terminal_id=self.till.terminal_id)

    def identify(self, customer: Customer | None) -> uuid.UUID:
        """The member the customer names; the attempt is committed before a refusal, for the limits to count it."""
        return finding.name(self.db, self.principal, membership.ask(customer), self.settings)

    def customer_of_sale(self, customer: Customer | None) -> uuid.UUID | None:
        """The member of a sale being recorded, or None: a paused till never refuses a sale."""
        if customer is None:
            return None
        return finding.name_for_sale(self.db, self.principal, membership.ask(customer), self.settings)


def caller(
    request: Request,
    key: str | None = Security(api_key),  # checked by KeyedRoute before the body; declared here for /docs
    branch: str | None = Header(default=None, alias="X-Branch-Id", description="The POS's own branch id."),
    pos: str | None = Header(default=None, alias="X-Pos-Id", description="The POS's own terminal id."),
) -> Caller:
    db: KeyedDatabase = getattr(request.state, "como_db", None) or keyed(request, pos_key(request))
    who = db.who
    assert who is not None and who.branch_id is not None and who.terminal_id is not None  # pos_key admits only such
    till = tills.of_headers(db, who, branch=branch, pos=pos)
    return Caller(who, till, db, request.app.state.settings, request.app.state.notifier)


def pos_key(request: Request) -> Principal:
    """The pos key in X-Api-Key; KeyInvalid (401) for a missing, unknown, expired or revoked one or another kind.
    A key this process knows is taken from its cache: the call's first transaction checks it is still valid."""
    raw = _raw_key(request)
    keys: access.KeyCache = request.app.state.keys
    return _admitted(keys.get(raw) or KeyedDatabase(request.app.state.db).identify(raw, keys))


def _raw_key(request: Request) -> str:
    raw = request.headers.get("x-api-key")
    if not raw:
        raise KeyInvalid("no key")
    return raw


def _admitted(who: Principal) -> Principal:
    if who.expired(now()):
        raise KeyInvalid("expired key")
    if who.kind != "pos" or who.terminal_id is None or who.branch_id is None:
        raise KeyKindRefused("a pos key is required")
    return who


def keyed(request: Request, who: Principal) -> KeyedDatabase:
    """The call's database: every transaction of the call, beginning with the till's, checks the key is still valid."""
    db = KeyedDatabase(request.app.state.db)
    db.who = who
    return db


class KeyedRoute(ComoRoute):
    """A Como call: the key is checked before the body is read, so a caller without a valid key learns nothing
    about its body (a 401, never a 4000001)."""

    async def admit(self, request: Request) -> None:
        # `pos_key` on the event loop: only a key this process does not know yet is looked up, in a worker thread.
        raw = _raw_key(request)
        keys: access.KeyCache = request.app.state.keys
        who = keys.get(raw)
        if who is None:
            who = await run_in_threadpool(KeyedDatabase(request.app.state.db).identify, raw, keys)
        request.state.como_db = keyed(request, _admitted(who))

    async def settle(self, request: Request, problem: Exception) -> Exception:
        # A refusal before the call's first transaction (a body that is not JSON, say) waits for the key's check.
        db: KeyedDatabase | None = getattr(request.state, "como_db", None)
        if db is not None and not db.key_checked:
            try:
                await run_in_threadpool(db.check_key)
            except KeyInvalid as refused:
                return refused
        return problem


# The message that carries a sent code (a payment's verification code too).
code_message = sent_codes.message
