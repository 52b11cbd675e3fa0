"""The Campaign Center's rules (admin keys): create, list, read, revise, activate and stop, with revisions.

The body of a rule is read exactly (see `rule_format`); the rulebook's parser is its one validator.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from loyalty.api.deps import admin, database
from loyalty.api.v1.rule_format import RULE_SCHEMA, RULE_UPDATE_SCHEMA, body_schema, json_object
from loyalty.campaigns import center
from loyalty.campaigns.rulebook import StoredRule
from loyalty.db.engine import Database
from loyalty.errors import NotFound
from loyalty.members.access import Principal

router = APIRouter(prefix="/v1", tags=["campaign center"])


class RuleOut(BaseModel):
    """A rule's revision as stored: its definition in canonical form, with the id, revision and status."""

    id: str
    revision: int
    status: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name per language; {} when none.")
    trigger: str
    valid_from: str | None
    valid_until: str | None
    conditions: dict[str, Any]
    limits: dict[str, Any] | None
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime = Field(description="When the current revision or the status last changed.")


# What rules gave, as a simulation and an event answer it (shaped by `outcomes`). Defined here, where they
# always were: the schema names in /openapi.json stay as clients know them.
class LinePointsOut(BaseModel):
    line_id: str
    points: str


class EarnedOut(BaseModel):
    rule_id: str | None
    revision: int | None = Field(description="null for a draft tried in a simulation")
    rule_name: str
    points: str
    explanation: str
    lines: list[LinePointsOut]


class EffectOut(BaseModel):
    kind: str = Field(description="grant_benefit, tag_member or untag_member")
    value: str = Field(description="The benefit id or the tag.")
    rule_id: str | None
    revision: int | None
    explanation: str


def rule_out(view: StoredRule) -> dict[str, Any]:
    return view.as_dict()


def rule_id_of(raw: str) -> uuid.UUID:
    """Ids are opaque to clients: one that is not even a UUID is simply not found."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("rule") from None


@router.post("/rules", response_model=RuleOut, status_code=201, openapi_extra=body_schema(RULE_SCHEMA))
def create_rule(
    who: Principal = Depends(admin), body: dict[str, Any] = Depends(json_object), db: Database = Depends(database)
) -> dict[str, Any]:
    """A new rule at revision 1 (status `draft` unless the body says otherwise)."""
    return rule_out(center.create_rule(db, who, body))


@router.get("/rules", response_model=list[RuleOut])
def list_rules(
    status: Literal["draft", "active", "stopped"] | None = Query(
        default=None, description="Only rules in this status."
    ),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> list[dict[str, Any]]:
    """Every rule of the business at its current revision, oldest first."""
    return [rule_out(view) for view in center.rules(db, who, status=status)]


@router.get("/rules/{rule_id}", response_model=RuleOut)
def show_rule(
    rule_id: str,
    revision: int | None = Query(default=None, ge=1, le=2**31 - 1, description="An older published revision."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> dict[str, Any]:
    return rule_out(center.rule(db, who, rule_id_of(rule_id), revision=revision))


@router.put(
    "/rules/{rule_id}",
    response_model=RuleOut,
    openapi_extra=body_schema(RULE_UPDATE_SCHEMA),
    responses={409: {"description": "rule_revision_conflict: `revision` is not the current revision"}},
)
def revise_rule(
    rule_id: str,
    who: Principal = Depends(admin),
    body: dict[str, Any] = Depends(json_object),
    db: Database = Depends(database),
) -> dict[str, Any]:
    """A new revision: the full rule, as for POST. The status stays unless the body names one; purchases
    already recorded keep the revision they earned under."""
    return rule_out(center.revise_rule(db, who, rule_id_of(rule_id), body))


@router.post("/rules/{rule_id}/activate", response_model=RuleOut)
def activate_rule(rule_id: str, who: Principal = Depends(admin), db: Database = Depends(database)) -> dict[str, Any]:
    """The rule fires from now on (inside its validity window). Already active: unchanged."""
    return rule_out(center.set_rule_status(db, who, rule_id_of(rule_id), "active"))


@router.post("/rules/{rule_id}/stop", response_model=RuleOut)
def stop_rule(rule_id: str, who: Principal = Depends(admin), db: Database = Depends(database)) -> dict[str, Any]:
    """The rule stops firing; what it gave stays. Already stopped: unchanged."""
    return rule_out(center.set_rule_status(db, who, rule_id_of(rule_id), "stopped"))
