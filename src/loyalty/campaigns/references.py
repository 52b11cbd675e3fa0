"""The ids a rule names are checked when it is saved: each must exist and belong to the rule's business.

A rule that grants another business's benefit, or "not-a-uuid", would otherwise be accepted and then fail every
time it fires (every registration, for a `joined` rule). Refused here, as a 422 naming the field.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db.models import Benefit, Branch, Business
from loyalty.errors import InvalidInput


def _as_uuid(value: str, field: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(field, f"{value[:40]!r} is not {what} id") from None


def check_rule(session: Session, *, business: Business, rule: engine.Rule, where: str = "") -> None:
    """InvalidInput naming `actions.N.benefit_id` or `conditions.branches` for an id that is not the business's."""
    prefix = f"{where}." if where else ""
    for position, action in enumerate(rule.actions):
        benefit_id = getattr(action, "benefit_id", None)
        if action.type != "grant_benefit" or benefit_id is None:
            continue
        field = f"{prefix}actions.{position}.benefit_id"
        found = session.scalar(
            select(Benefit.id).where(
                Benefit.id == _as_uuid(benefit_id, field, "a benefit"), Benefit.business_id == business.id
            )
        )
        if found is None:
            raise InvalidInput(field, "is not a benefit of this business")
    field = f"{prefix}conditions.branches"
    for branch_id in sorted(rule.conditions.branches or ()):
        found = session.scalar(
            select(Branch.id).where(
                Branch.id == _as_uuid(branch_id, field, "a branch"), Branch.business_id == business.id
            )
        )
        if found is None:
            raise InvalidInput(field, f"{branch_id[:40]!r} is not a branch of this business")
