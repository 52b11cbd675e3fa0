"""Importing a programme's members (`POST /v1/imports`): the file is the body, kept on disk past 1 MB while it
arrives and then read a row at a time."""

from __future__ import annotations

import codecs
import io
import tempfile

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from loyalty.api.deps import database, require
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members.access import Principal
from loyalty.moving import importing

router = APIRouter(prefix="/v1", tags=["imports and exports"])
admin = require("admin")
MEDIA = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}
MAX_BODY = 2 * 1024**3  # 2 GB: some millions of members


class RejectedOut(BaseModel):
    line: int
    external_id: str | None
    field: str
    reason: str


class ChangeOut(BaseModel):
    line: int
    external_id: str
    outcome: str = Field(description="created or updated")


class ImportOut(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rejected: list[RejectedOut]
    points: str = Field(description="The points the written (or, in a dry run, the accepted) rows hold.")
    credit: str
    changes: list[ChangeOut] | None = Field(
        default=None, description="With details=true: the first 1,000 rows that create or update a member."
    )


@router.post(
    "/imports",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in ("text/csv", "application/x-ndjson")},
        }
    },
)
async def import_members(
    request: Request,
    dry_run: bool = Query(default=False, description="Say what would change, write nothing."),
    details: bool = Query(default=False, description="Also list the rows that create or update a member."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> Response:
    """Members from the system a business leaves, keyed by `external_id`: created, set to the file's figures, or
    left unchanged; each rejected row is named with its line, field and reason, and nothing of it is written."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MEDIA:
        raise InvalidInput("Content-Type", "must be text/csv or application/x-ndjson")
    with tempfile.SpooledTemporaryFile(max_size=1024**2) as body:
        size = 0
        utf8 = codecs.getincrementaldecoder("utf-8")()  # checked as it arrives: a bad byte imports nothing
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise InvalidInput("body", f"must be at most {MAX_BODY // 1024**3} GB")
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                raise InvalidInput("body", "must be UTF-8 text") from None
            body.write(chunk)
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InvalidInput("body", "must be UTF-8 text") from None
        body.seek(0)
        text = io.TextIOWrapper(body, encoding="utf-8-sig", errors="strict", newline="")
        try:
            report, exponent = await run_in_threadpool(
                importing.run, db, who, text, MEDIA[media], dry_run=dry_run, details=details
            )
        finally:
            text.detach()
    # Only what the answer holds: without details, no `changes` key at all.
    return JSONResponse(report.as_json(exponent))
