"""What rules gave, as the Campaign Center's answers show it (a simulation, a custom event)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loyalty import rules as engine
from loyalty.api.v1.rules import EarnedOut, EffectOut, LinePointsOut
from loyalty.i18n import reader
from loyalty.money import floor_points

__all__ = ["EarnedOut", "EffectOut", "LinePointsOut", "earned", "effect", "points"]

# Rows (a business) reach the doors through the services; they never import the models.
Business = Any


def points(business: Business, amount: Decimal) -> str:
    return str(floor_points(amount, business.points_decimals))


def earned(business: Business, award: engine.Award) -> dict[str, Any]:
    return {
        "rule_id": award.rule_id,
        "revision": award.revision,
        "rule_name": reader.speech_for(business).name(award.rule_name, award.rule_names),
        "points": points(business, award.points),
        "explanation": reader.speech_for(business).explain(award),
        "lines": [{"line_id": share.line_id, "points": points(business, share.points)} for share in award.lines],
    }


def effect(effect: engine.Effect, business: Business | None = None) -> dict[str, Any]:
    return {
        "kind": effect.kind,
        "value": effect.value,
        "rule_id": effect.rule_id,
        "revision": effect.revision,
        "explanation": reader.speech_for(business).explain(effect),
    }
