"""The rule format as /docs shows it, and rule bodies read exactly.

Rule bodies are read with JSON numbers as Decimals: pydantic would hand the engine floats, whose precision is
already lost, and the engine refuses them. The engine's parser is the one validator of a rule, so its field
paths (`actions.0.per`) are what a 422 names; the schema below only documents the format in /docs.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import Request

from loyalty.errors import InvalidInput

TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200}
DECIMAL: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*\d{1,15}(\.\d{1,4})?\s*$", "examples": ["1.00"]},
        {"type": "number", "minimum": 0, "maximum": 10**12},
    ],
    "description": 'A decimal string like "1.00" or a JSON number (read exactly, never as a float).',
}
TEXTS: dict[str, Any] = {"type": "array", "items": TEXT, "minItems": 1, "maxItems": 50}
SELECTOR: dict[str, Any] = {
    "type": "object",
    "description": "A line matches when its code, its department or one of its tags is listed.",
    "properties": {"codes": TEXTS, "departments": TEXTS, "tags": TEXTS},
    "additionalProperties": False,
}
MOMENT: dict[str, Any] = {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339 with an offset."}
CONDITIONS: dict[str, Any] = {
    "type": "object",
    "description": "All optional; all must hold.",
    "properties": {
        "min_spend": DECIMAL,
        "contains": {**SELECTOR, "properties": {**SELECTOR["properties"], "min_quantity": DECIMAL}},
        "branches": TEXTS,
        "weekdays": {
            "type": "array",
            "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
            "minItems": 1,
            "maxItems": 7,
        },
        "time_from": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["09:30"]},
        "time_until": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["18:00"]},
        "member_tags": TEXTS,
        "lifetime_points_at_least": DECIMAL,
        "code": TEXT,
        "event": TEXT,
        "member_tiers": TEXTS,
    },
    "additionalProperties": False,
}
ACTION: dict[str, Any] = {
    "type": "object",
    "description": "add_points (mode fixed, repeat, rate or percent), grant_benefit, tag_member or untag_member.",
    "properties": {
        "type": {"enum": ["add_points", "grant_benefit", "tag_member", "untag_member"]},
        "mode": {"enum": ["fixed", "repeat", "rate", "percent"]},
        "points": DECIMAL,
        "every": DECIMAL,
        "per": DECIMAL,
        "percent": DECIMAL,
        "items": SELECTOR,
        "exclude_items": SELECTOR,
        "exclude_mops": {"anyOf": [TEXTS, TEXT], "description": 'A list, or one string like "points, voucher".'},
        "benefit_id": TEXT,
        "tag": TEXT,
    },
    "required": ["type"],
    "additionalProperties": False,
}
NAMES: dict[str, Any] = {
    "type": ["object", "null"],
    "description": 'The name per language, shown to members and cashiers reading it: {"fr": "…", "de": "…"}; '
    "a language left out shows `name`. On a revision, left out keeps the translations; null clears them.",
    "properties": {language: {"type": "string", "maxLength": 200} for language in ("en", "fr", "de", "it")},
    "additionalProperties": False,
}
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Rule",
    "properties": {
        "name": TEXT,
        "names": NAMES,
        "trigger": {"enum": ["purchase", "joined", "lifetime_points", "code_used", "event"]},
        "status": {"enum": ["draft", "active", "stopped"], "default": "draft"},
        "valid_from": MOMENT,
        "valid_until": MOMENT,
        "conditions": CONDITIONS,
        "limits": {
            "type": ["object", "null"],
            "properties": {
                "per_member": {"type": "integer", "minimum": 1, "maximum": 10**6},
                "period": {"enum": ["day", "week", "month", "year", "ever"]},
            },
            "required": ["per_member"],
            "additionalProperties": False,
        },
        "actions": {"type": "array", "items": ACTION, "minItems": 1, "maxItems": 20},
    },
    "required": ["name", "trigger", "actions"],
    "additionalProperties": False,
    "example": {
        "name": "Dairy: 1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "conditions": {"min_spend": "20.00"},
        "limits": {"per_member": 1, "period": "day"},
        "actions": [
            {
                "type": "add_points",
                "mode": "rate",
                "points": "1",
                "per": "1.00",
                "items": {"departments": ["dairy"]},
                "exclude_items": {"tags": ["alcohol"]},
                "exclude_mops": ["points"],
            }
        ],
    },
}
# PUT may send back a rule as GET shows it: `revision` then guards against overwriting a newer one.
RULE_UPDATE_SCHEMA: dict[str, Any] = {
    **RULE_SCHEMA,
    "title": "RuleRevision",
    "properties": {
        **RULE_SCHEMA["properties"],
        "id": {"type": "string", "description": "When given, the rule's own id."},
        "revision": {
            "type": "integer",
            "minimum": 1,
            "description": "The revision this change was made on; another current revision is a 409.",
        },
        "created_at": {"type": "string", "description": "Ignored."},
        "updated_at": {"type": "string", "description": "Ignored."},
    },
}


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` written in place, so it can sit inside `openapi_extra`."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def body_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, its numbers as Decimals (the engine refuses floats)."""
    raw = await request.body()
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8 and oversized integers are ValueErrors
        raise InvalidInput("body", "must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", f"must be a JSON object, not {type(data).__name__}")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
