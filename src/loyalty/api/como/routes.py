"""`/api/v4/…`: Como's POS API, call by call (members_calls, sale_calls), under one prefix and one OpenAPI tag;
every call also answers under `advanced/`; a call Como does not have answers in Como's envelope too."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from loyalty.api.como import envelope, members_calls, sale_calls
from loyalty.api.como.caller import TAG, TAG_METADATA
from loyalty.api.como.envelope import ComoRoute

__all__ = ["TAG", "TAG_METADATA", "router"]

router = APIRouter(prefix="/api/v4", tags=[TAG], route_class=ComoRoute)
router.include_router(members_calls.router)
router.include_router(sale_calls.router)
# Older clients (Swift SDK revisions) call everything under `advanced/`: every call answers there too.
router.include_router(members_calls.router, prefix="/advanced", include_in_schema=False)
router.include_router(sale_calls.router, prefix="/advanced", include_in_schema=False)


@router.api_route("/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def unknown_call(anything: str) -> JSONResponse:
    return envelope.error(envelope.NOT_FOUND, f"No such call: {anything[:60]}", status=404)
