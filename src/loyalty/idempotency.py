"""Writes made idempotent by a key the client sends (`Idempotency-Key`), for the writes that have no key of their
own (purchases have their transaction id, returns their return id, payments their own key).

The first answer is stored in the same transaction as the write: it exists exactly when the write does. A retry
with the same key and the same request gets that answer again and changes nothing; the same key with another
request is refused. Keys are scoped to the till (a pos key's terminal) or else to the API key that sent them.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty.db.engine import Database, RetryTransaction
from loyalty.db.models import IdempotentRequest
from loyalty.errors import Conflict

T = TypeVar("T")


@dataclass(frozen=True)
class Keyed:
    business_id: uuid.UUID
    scope: str
    key: str
    request_hash: str


@dataclass(frozen=True)
class Once(Generic[T]):
    """A write's key, and how the door writes the answer that is stored with it (the result as JSON text)."""

    keyed: Keyed
    status: int
    render: Callable[[T], str]


@dataclass(frozen=True)
class Answer:
    """The answer of a keyed write: the first one's, replayed with 200, or this one's with its own status."""

    text: str
    status: int


def fingerprint(method: str, path: str, body: Any) -> str:
    """What makes two requests the same request: method, path and body (keys sorted)."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier(session: Session, keyed: Keyed) -> IdempotentRequest | None:
    """The stored answer of this key, or None; 409 `idempotency_conflict` when the key came with another request."""
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.business_id == keyed.business_id,
            IdempotentRequest.scope == keyed.scope,
            IdempotentRequest.key == keyed.key,
        )
    )
    if stored is not None and stored.request_hash != keyed.request_hash:
        raise Conflict("idempotency_conflict", "This Idempotency-Key was used for another request.")
    return stored


def remember(session: Session, keyed: Keyed, *, status: int, response: str) -> None:
    """Store the answer beside the write. A concurrent request with the same key that committed first makes this
    transaction start again, and its retry then finds and replays that answer."""
    row = IdempotentRequest(
        business_id=keyed.business_id,
        scope=keyed.scope,
        key=keyed.key,
        request_hash=keyed.request_hash,
        status=status,
        response=response,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise RetryTransaction() from None


def run_once(session: Session, once: Once[T], work: Callable[[], T]) -> Answer:
    """`work`'s answer, stored under the key in the same transaction; a retry gets the stored answer instead."""
    stored = earlier(session, once.keyed)
    if stored is not None:
        return Answer(stored.response, 200)
    text = once.render(work())
    remember(session, once.keyed, status=once.status, response=text)
    return Answer(text, once.status)


@overload
def write(db: Database, once: None, work: Callable[[Session], T]) -> T: ...
@overload
def write(db: Database, once: Once[T], work: Callable[[Session], T]) -> Answer: ...
def write(db: Database, once: Once[T] | None, work: Callable[[Session], T]) -> T | Answer:
    """Run `work` in one transaction; with `once`, its rendered answer is stored in that same transaction and a
    retry of the same request gets it again (a key reused for another request: 409 `idempotency_conflict`)."""
    if once is None:
        return db.write(work)
    return db.write(lambda session: run_once(session, once, lambda: work(session)))
