"""Rules chosen in the Campaign Center to try or backtest together: stored ones by id, drafts by their body.

A stored rule is taken as it is now (its current revision, its id, so its per-member limits count its history)
but as if active; a draft is parsed like any rule and named `draft-N` by its place in the list. Nothing is saved.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.models import Business
from loyalty.errors import InvalidInput, NotFound

MAX_RULES = 50


def chosen(session: Session, *, business: Business, bodies: object, where: str = "rules") -> list[engine.Rule]:
    """The rules `bodies` names, in order; InvalidInput naming `rules.N...` for anything unusable."""
    if not isinstance(bodies, Sequence) or isinstance(bodies, str):
        raise InvalidInput(where, 'must be a list of rules: drafts, or {"id": "…"} for a stored rule')
    if len(bodies) > MAX_RULES:
        raise InvalidInput(where, f"must list at most {MAX_RULES} rules")
    rules: list[engine.Rule] = []
    seen: set[str] = set()
    for position, body in enumerate(bodies):
        at = f"{where}.{position}"
        if not isinstance(body, Mapping):
            raise InvalidInput(at, 'must be a rule (a JSON object), or {"id": "…"} for a stored rule')
        if body.get("id") is not None and body.get("actions") is None:
            rule = _stored(session, business, body["id"], f"{at}.id")
            if rule.id in seen:
                raise InvalidInput(f"{at}.id", "is listed twice")
            seen.add(str(rule.id))
            rules.append(rule)
            continue
        data = {key: value for key, value in body.items() if key not in (*campaigns.READ_ONLY_FIELDS, "id", "revision")}
        data["status"] = "active"
        rules.append(campaigns.parse(data, business=business, rule_id=f"draft-{position + 1}", where=at))
    return rules


def _stored(session: Session, business: Business, raw: object, where: str) -> engine.Rule:
    try:
        rule_id = uuid.UUID(str(raw))
        view = campaigns.stored(session, business_id=business.id, rule_id=rule_id)
    except (ValueError, NotFound):
        raise InvalidInput(where, "is not a rule of this business") from None
    return dataclasses.replace(campaigns.engine_rule(view, business=business), status="active")
