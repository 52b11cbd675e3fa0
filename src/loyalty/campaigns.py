"""The Campaign Center's rules: validated by the engine's parser, stored as immutable revisions, and loaded
as a cached `RuleIndex` for evaluation.

A rule row carries its status and current revision; each `PUT` writes a new `RuleRevision` whose definition
never changes afterwards, so every award can name the exact revision it was earned under. Status changes
(activate, stop) are not revisions: they do not change what the rule computes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.audit import record
from loyalty.db.models import Business, Rule, RuleRevision, now
from loyalty.errors import InvalidInput, NotFound
from loyalty.money import currency_exponent


@dataclass(frozen=True)
class StoredRule:
    """A rule as the API shows it: its current revision's definition, with id, revision and status."""

    id: uuid.UUID
    revision: int
    status: str
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.definition,
            "id": str(self.id),
            "revision": self.revision,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def parse(
    data: Mapping[str, object], *, business: Business, rule_id: str | None = None, revision: int | None = None
) -> engine.Rule:
    """The engine's rule for `data`, or InvalidInput naming the field."""
    try:
        return engine.parse_rule(
            data, id=rule_id, revision=revision, currency_exponent=currency_exponent(business.currency)
        )
    except engine.RuleInvalid as error:
        raise InvalidInput(error.field or "body", error.message) from None


def _definition(rule: engine.Rule) -> dict[str, Any]:
    """The canonical JSON of a revision, without what the row keeps (id, revision, status)."""
    canonical = dict(engine.rule_to_dict(rule))
    for key in ("id", "revision", "status"):
        canonical.pop(key, None)
    return canonical


def create(session: Session, *, business: Business, data: Mapping[str, object], actor: str) -> StoredRule:
    parsed = parse(data, business=business)
    row = Rule(business_id=business.id, name=parsed.name, trigger=parsed.trigger, status=parsed.status, revision=1)
    session.add(row)
    session.flush()
    session.add(RuleRevision(business_id=business.id, rule_id=row.id, revision=1, definition=_definition(parsed)))
    _rules_changed(session, business)
    record(session, business.id, actor=actor, action="rule.create", obj=row)
    return _stored(row, _definition(parsed))


def revise(
    session: Session, *, business: Business, rule_id: uuid.UUID, data: Mapping[str, object], actor: str
) -> StoredRule:
    """A new revision of a rule; the status stays unless `data` names one."""
    row = _row(session, business.id, rule_id, lock=True)
    body = dict(data)
    body.setdefault("status", row.status)
    parsed = parse(body, business=business)
    row.revision += 1
    row.name, row.trigger, row.status, row.updated_at = parsed.name, parsed.trigger, parsed.status, now()
    session.add(
        RuleRevision(business_id=business.id, rule_id=row.id, revision=row.revision, definition=_definition(parsed))
    )
    _rules_changed(session, business)
    record(session, business.id, actor=actor, action="rule.revise", obj=row, details={"revision": row.revision})
    return _stored(row, _definition(parsed))


def set_status(session: Session, *, business: Business, rule_id: uuid.UUID, status: str, actor: str) -> StoredRule:
    row = _row(session, business.id, rule_id, lock=True)
    if row.status != status:
        row.status, row.updated_at = status, now()
        _rules_changed(session, business)
        record(session, business.id, actor=actor, action=f"rule.{status}", obj=row)
    return stored(session, business_id=business.id, rule_id=row.id)


def stored(session: Session, *, business_id: uuid.UUID, rule_id: uuid.UUID, revision: int | None = None) -> StoredRule:
    row = _row(session, business_id, rule_id)
    wanted = revision or row.revision
    found = session.scalar(
        select(RuleRevision).where(
            RuleRevision.business_id == business_id, RuleRevision.rule_id == rule_id, RuleRevision.revision == wanted
        )
    )
    if found is None:
        raise NotFound("rule revision")
    view = _stored(row, found.definition)
    if revision is not None:
        view = StoredRule(row.id, wanted, row.status, found.definition, row.created_at, found.created_at)
    return view


def listing(session: Session, *, business_id: uuid.UUID, status: str | None = None) -> list[StoredRule]:
    query = (
        select(Rule, RuleRevision)
        .join(RuleRevision, (RuleRevision.rule_id == Rule.id) & (RuleRevision.revision == Rule.revision))
        .where(Rule.business_id == business_id)
        .order_by(Rule.created_at, Rule.id)
    )
    if status:
        query = query.where(Rule.status == status)
    return [_stored(row, revision.definition) for row, revision in session.execute(query).tuples()]


def engine_rule(view: StoredRule, *, business: Business) -> engine.Rule:
    body = {**view.definition, "status": view.status}
    return parse(body, business=business, rule_id=str(view.id), revision=view.revision)


# Built indexes, per business and rules version: rebuilding on every purchase would dominate its cost.
_index_cache: dict[uuid.UUID, tuple[int, engine.RuleIndex]] = {}
_cache_lock = threading.Lock()


def active_rules(session: Session, *, business: Business) -> engine.RuleIndex:
    """The business's active rules, indexed for evaluation; cached until a rule changes."""
    cached = _index_cache.get(business.id)
    if cached is not None and cached[0] == business.rules_version:
        return cached[1]
    views = listing(session, business_id=business.id, status="active")
    index = engine.RuleIndex(engine_rule(view, business=business) for view in views)
    with _cache_lock:
        _index_cache[business.id] = (business.rules_version, index)
    return index


def _rules_changed(session: Session, business: Business) -> None:
    session.execute(update(Business).where(Business.id == business.id).values(rules_version=Business.rules_version + 1))
    session.refresh(business, ["rules_version"])


def _row(session: Session, business_id: uuid.UUID, rule_id: uuid.UUID, *, lock: bool = False) -> Rule:
    query = select(Rule).where(Rule.id == rule_id, Rule.business_id == business_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("rule")
    return row


def _stored(row: Rule, definition: dict[str, Any]) -> StoredRule:
    return StoredRule(row.id, row.revision, row.status, definition, row.created_at, row.updated_at)
