"""Health: is the server up and its database reachable and migrated.

`/v1/health/live` answers without the database: a load balancer uses it, so a database failover does not take
every worker out of service (their writes answer 503 with Retry-After meanwhile, which tills retry).
`/v1/health/ready` answers 200 only when the database is reachable and its schema current: deploys wait for it.
`/v1/health` is the older combined answer, kept as it was.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from loyalty import __version__
from loyalty.api.deps import database
from loyalty.api.errors import RETRY_AFTER_SECONDS
from loyalty.db import health as database_health
from loyalty.db.engine import Database

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_current: bool


class Liveness(BaseModel):
    status: str
    version: str


def _health(db: Database) -> Health:
    found = database_health.check(db)
    if not found.reachable:
        return Health(status="down", version=__version__, database="unreachable", schema_current=False)
    return Health(
        status="ok" if found.schema_current else "degraded",
        version=__version__,
        database=found.kind,
        schema_current=found.schema_current,
    )


@router.get("/v1/health", response_model=Health)
def health(db: Database = Depends(database)) -> JSONResponse:
    body = _health(db)
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)


@router.get("/v1/health/live", response_model=Liveness)
def live() -> Liveness:
    """The process answers requests. Touches no database: for load balancers."""
    return Liveness(status="ok", version=__version__)


@router.get("/v1/health/ready", response_model=Health, responses={503: {"model": Health}})
def ready(db: Database = Depends(database)) -> JSONResponse:
    """The database is reachable and its schema is the one this code needs: for deploys and orchestrators."""
    body = _health(db)
    if body.status == "ok":
        return JSONResponse(body.model_dump())
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
