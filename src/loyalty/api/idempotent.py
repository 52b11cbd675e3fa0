"""`Idempotency-Key` at the edge: one call that runs a write once per key and replays its answer afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import BaseModel

from loyalty import idempotency
from loyalty.members.access import Principal

T = TypeVar("T")


async def optional_key(  # async: a sync dependency runs in a worker thread
    idempotency_key: str | None = Header(
        default=None,
        min_length=1,
        max_length=128,
        description="Optional: send the same key with every retry of this write, so it happens once; "
        "a replay answers 200 with the first answer.",
    ),
) -> str | None:
    return idempotency_key


def keyed(request: Request, who: Principal, key: str, body: BaseModel) -> idempotency.Keyed:
    """The key bound to this request: per till (or per API key), with the method, path and body it came with."""
    return idempotency.Keyed(
        business_id=who.business_id,
        scope=str(who.terminal_id or who.key_id),
        key=key,
        request_hash=idempotency.fingerprint(request.method, request.url.path, body.model_dump(mode="json")),
    )


def once(
    request: Request, who: Principal, *, key: str, body: BaseModel, status: int, shape: Callable[[T], BaseModel]
) -> idempotency.Once[T]:
    """For a service's write: once per key, its answer (`shape` of the service's result) stored beside it."""

    def render(result: T) -> str:
        return json.dumps(shape(result).model_dump(mode="json"), separators=(",", ":"))

    return idempotency.Once(keyed(request, who, key, body), status, render)


def answered(answer: idempotency.Answer) -> Response:
    """A keyed write's answer, byte for byte as first given."""
    return Response(answer.text, status_code=answer.status, media_type="application/json")
