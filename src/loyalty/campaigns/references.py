"""The ids and names a rule refers to are checked when it is saved: each must exist and be the rule's business's.

A rule that grants another business's benefit, or "not-a-uuid", would otherwise be accepted and then fail every
time it fires (every registration, for a `joined` rule); a means of payment misspelt in `exclude_mops` ("pionts")
would silently exclude nothing. Refused here, as a 422 naming the field.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db.models import Benefit, Branch, Business
from loyalty.errors import InvalidInput

# Paid through the member's account, so never in the business's list of means of payment, always excludable.
LOYALTY_MOPS = ("points", "credit")


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
    _check_means_of_payment(business, rule, prefix)
    field = f"{prefix}conditions.branches"
    for branch_id in sorted(rule.conditions.branches or ()):
        found = session.scalar(
            select(Branch.id).where(
                Branch.id == _as_uuid(branch_id, field, "a branch"), Branch.business_id == business.id
            )
        )
        if found is None:
            raise InvalidInput(field, f"{branch_id[:40]!r} is not a branch of this business")


def _check_means_of_payment(business: Business, rule: engine.Rule, prefix: str) -> None:
    """InvalidInput naming `actions.N.exclude_mops` for a name that is none of the business's means of payment
    (compared as the engine compares them: whatever the case and surrounding spaces)."""
    allowed = [*LOYALTY_MOPS, *business.means_of_payment]
    known = engine.name_keys(allowed)
    for position, action in enumerate(rule.actions):
        for name in sorted(getattr(action, "exclude_mops", ())):
            if engine.name_key(name) not in known:
                raise InvalidInput(
                    f"{prefix}actions.{position}.exclude_mops",
                    f"{name[:40]!r} is not a means of payment of this business (it takes {', '.join(allowed)})",
                )
