"""What rules gave, as the Campaign Center's answers show it (a simulation, a custom event)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from loyalty import rules as engine
from loyalty.money import floor_points

# Rows (a business) reach the doors through the services; they never import the models.
Business = Any


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


def points(business: Business, amount: Decimal) -> str:
    return str(floor_points(amount, business.points_decimals))


def earned(business: Business, award: engine.Award) -> dict[str, Any]:
    return {
        "rule_id": award.rule_id,
        "revision": award.revision,
        "rule_name": award.rule_name,
        "points": points(business, award.points),
        "explanation": award.explanation,
        "lines": [{"line_id": share.line_id, "points": points(business, share.points)} for share in award.lines],
    }


def effect(effect: engine.Effect) -> dict[str, Any]:
    return {
        "kind": effect.kind,
        "value": effect.value,
        "rule_id": effect.rule_id,
        "revision": effect.revision,
        "explanation": effect.explanation,
    }
