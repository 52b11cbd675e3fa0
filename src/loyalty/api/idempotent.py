"""`Idempotency-Key` at the edge: one call that runs a write once per key and replays its answer afterwards."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from loyalty import idempotency
from loyalty.db.engine import Database
from loyalty.members.access import Principal


def optional_key(
    idempotency_key: str | None = Header(
        default=None,
        min_length=1,
        max_length=128,
        description="Optional: send the same key with every retry of this write, so it happens once; "
        "a replay answers 200 with the first answer.",
    ),
) -> str | None:
    return idempotency_key


def write_once(
    db: Database,
    request: Request,
    who: Principal,
    *,
    key: str,
    body: BaseModel,
    model: type[BaseModel],
    status: int,
    work: Callable[[Session], Any],
) -> Response:
    """Run `work` (whose result `model` describes) in one transaction with its answer stored under `key`;
    a retry of the same request answers 200 with that answer, byte for byte."""
    keyed = idempotency.Keyed(
        business_id=who.business_id,
        scope=str(who.terminal_id or who.key_id),
        key=key,
        request_hash=idempotency.fingerprint(request.method, request.url.path, body.model_dump(mode="json")),
    )

    def keyed_work(session: Session) -> tuple[str, int]:
        stored = idempotency.earlier(session, keyed)
        if stored is not None:
            return stored.response, 200
        result = work(session)
        text = json.dumps(model.model_validate(result).model_dump(mode="json"), separators=(",", ":"))
        idempotency.remember(session, keyed, status=status, response=text)
        return text, status

    text, answered = db.write(keyed_work)
    return Response(text, status_code=answered, media_type="application/json")
