"""Health: is the server up and its database reachable and migrated."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from loyalty import __version__
from loyalty.api.deps import database
from loyalty.db.engine import Database
from loyalty.db.migrate import is_current

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_current: bool


@router.get("/v1/health", response_model=Health)
def health(db: Database = Depends(database)) -> JSONResponse:
    try:
        with db.read() as session:
            session.execute(text("SELECT 1"))
        current = is_current(db.reader)
        body = Health(
            status="ok" if current else "degraded",
            version=__version__,
            database="sqlite" if db.is_sqlite else "postgresql",
            schema_current=current,
        )
        return JSONResponse(body.model_dump(), status_code=200 if current else 503)
    except Exception:  # noqa: BLE001 - any database failure is "down"
        down = Health(status="down", version=__version__, database="unreachable", schema_current=False)
        return JSONResponse(down.model_dump(), status_code=503)
