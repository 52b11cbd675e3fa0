"""/v1/webhooks: a business's endpoints, their deliveries, a test event and a retry (admin keys)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import KeyedDatabase, admin, database
from loyalty.members.access import Principal
from loyalty.webhooks import endpoints

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="Where events are POSTed: https://… on a public address.")
    events: list[str] = Field(
        default_factory=lambda: ["*"], max_length=20, description='Event types, or ["*"] for all of them.'
    )
    description: str = Field(default="", max_length=500)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhooks_allow_private)


@router.post("", status_code=201)
def create(
    body: EndpointIn, request: Request, who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)
) -> JSONResponse:
    """A new endpoint; the answer carries its `secret` (`whsec_…`), shown only this once."""
    made = endpoints.create(
        db,
        business_id=who.business_id,
        url=body.url,
        events=body.events,
        description=body.description,
        allow_private=_allow_private(request),
        actor=who.actor,
    )
    return JSONResponse(made, status_code=201)


@router.get("")
def listed(who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)) -> dict[str, Any]:
    return {"items": endpoints.listed(db, business_id=who.business_id)}


@router.get("/{endpoint_id}")
def get(
    endpoint_id: uuid.UUID, who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)
) -> dict[str, Any]:
    return endpoints.get(db, business_id=who.business_id, endpoint_id=endpoint_id)


@router.patch("/{endpoint_id}")
def update(
    endpoint_id: uuid.UUID,
    body: EndpointPatch,
    request: Request,
    who: Principal = Depends(admin),
    db: KeyedDatabase = Depends(database),
) -> dict[str, Any]:
    """Change the address, the events, the description, or switch the endpoint off and on."""
    changes = endpoints.Changes(url=body.url, events=body.events, description=body.description, enabled=body.enabled)
    return endpoints.update(
        db,
        business_id=who.business_id,
        endpoint_id=endpoint_id,
        changes=changes,
        allow_private=_allow_private(request),
        actor=who.actor,
    )


@router.delete("/{endpoint_id}", status_code=204)
def delete(endpoint_id: uuid.UUID, who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)) -> Response:
    endpoints.delete(db, business_id=who.business_id, endpoint_id=endpoint_id, actor=who.actor)
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret")
def rotate_secret(
    endpoint_id: uuid.UUID, who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)
) -> dict[str, Any]:
    """A new secret, shown only this once; the old one stops signing at once."""
    return endpoints.rotate_secret(db, business_id=who.business_id, endpoint_id=endpoint_id, actor=who.actor)


@router.post("/{endpoint_id}/test")
def test(
    endpoint_id: uuid.UUID, request: Request, who: Principal = Depends(admin), db: KeyedDatabase = Depends(database)
) -> dict[str, Any]:
    """Send a `webhook.test` event to this endpoint now; the answer is its delivery (status, response_status)."""
    return endpoints.test(
        db, business_id=who.business_id, endpoint_id=endpoint_id, allow_private=_allow_private(request)
    )


@router.get("/{endpoint_id}/deliveries")
def deliveries(
    endpoint_id: uuid.UUID,
    who: Principal = Depends(admin),
    db: KeyedDatabase = Depends(database),
    limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    """The newest deliveries first: `event_id`, `type`, `status`, `attempts`, `next_attempt_at`, `response_status`."""
    return {"items": endpoints.deliveries(db, business_id=who.business_id, endpoint_id=endpoint_id, limit=limit)}


@router.post("/{endpoint_id}/deliveries/{delivery_id}/retry")
def retry(
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    request: Request,
    who: Principal = Depends(admin),
    db: KeyedDatabase = Depends(database),
) -> dict[str, Any]:
    """Send this delivery again now (a failed one gets three more days)."""
    return endpoints.retry(
        db,
        business_id=who.business_id,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        allow_private=_allow_private(request),
    )
