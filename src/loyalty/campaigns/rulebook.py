"""The Campaign Center's rules: validated by the engine's parser, stored as immutable revisions, and loaded
as a cached `RuleIndex` for evaluation.

A rule row carries its status and current revision; each `PUT` writes a new `RuleRevision` whose definition
never changes afterwards, so every award can name the exact revision it was earned under. Status changes
(activate, stop) are not revisions: they do not change what the rule computes.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.audit import record
from loyalty.campaigns import references
from loyalty.db import programme
from loyalty.db.models import Business, Rule, RuleRevision, now
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.i18n.names import checked_names, names_out, translations_of
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
    names: dict[str, str] | None = None  # the name per language: the rule's, not a revision's

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.definition,
            "names": names_out(self.names),
            "id": str(self.id),
            "revision": self.revision,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


# Kept by the server; a rule read from the API or an export may carry them back, and they are ignored.
READ_ONLY_FIELDS: Final = ("created_at", "updated_at")


def parse(
    data: Mapping[str, object],
    *,
    business: Business,
    rule_id: str | None = None,
    revision: int | None = None,
    where: str = "",
) -> engine.Rule:
    """The engine's rule for `data`, or InvalidInput naming the field (after `where`, e.g. `rules.2.`)."""
    try:
        parsed = engine.parse_rule(
            {key: value for key, value in data.items() if key != "names"},
            id=rule_id,
            revision=revision,
            currency_exponent=currency_exponent(business.currency),
        )
        _within_bounds(engine.rule_to_dict(parsed), where)
        return parsed
    except engine.RuleInvalid as error:
        raise InvalidInput(_join(where, error.field or "body"), error.message) from None
    except ArithmeticError:
        # Decimal gives up on numbers like 1e999999: name the value instead of answering a 500.
        field = next(_out_of_range(data), "") or "body"
        raise InvalidInput(_join(where, field), "is out of range: numbers in a rule stay below 10^15") from None


# Upper bounds of a rule's numbers: far above any real campaign, low enough that a typo ("percent": "1e20")
# is refused here instead of overflowing the ledger's integers at the first purchase.
BOUNDS: Final[dict[str, Decimal]] = {
    "points": Decimal(100_000),
    "percent": Decimal(1_000),
    "every": Decimal(1_000_000),
    "per": Decimal(10) ** 12,
    "min_spend": Decimal(10) ** 12,
    "min_quantity": Decimal(1_000_000),
    "lifetime_points_at_least": Decimal(10) ** 12,
}


def _within_bounds(value: object, where: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            bound = BOUNDS.get(key)
            if bound is not None and isinstance(item, str) and Decimal(item) > bound:
                raise InvalidInput(_join(where, key), f"must be at most {bound:,}")
            _within_bounds(item, _join(where, key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _within_bounds(item, _join(where, str(position)))


def _out_of_range(value: object, where: str = "") -> Iterator[str]:
    """The paths of the numbers (or numeric texts) in `value` too large or too small for a rule."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _out_of_range(item, _join(where, str(key)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _out_of_range(item, _join(where, str(position)))
    elif isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        try:
            number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, ValueError):
            return
        if number.is_finite() and number != 0 and not -15 <= number.adjusted() < 15:
            yield where


def _join(prefix: str, field: str) -> str:
    return f"{prefix}.{field}" if prefix else field


def _definition(rule: engine.Rule) -> dict[str, Any]:
    """The canonical JSON of a revision, without what the row keeps (id, revision, status)."""
    canonical = dict(engine.rule_to_dict(rule))
    for key in ("id", "revision", "status"):
        canonical.pop(key, None)
    return canonical


def create(
    session: Session,
    *,
    business: Business,
    data: Mapping[str, object],
    actor: str,
    rule_id: uuid.UUID | None = None,
    where: str = "",
) -> StoredRule:
    """A new rule at revision 1. `rule_id` keeps the id of a loaded file's rule (the caller checks it is free)."""
    parsed = parse(data, business=business, where=where)
    references.check_rule(session, business=business, rule=parsed, where=where)
    names = checked_names(data.get("names"), _join(where, "names"))
    row = Rule(
        business_id=business.id,
        name=parsed.name,
        names=names,
        trigger=parsed.trigger,
        status=parsed.status,
        revision=1,
    )
    if rule_id is not None:
        row.id = rule_id
    session.add(row)
    session.flush()
    session.add(RuleRevision(business_id=business.id, rule_id=row.id, revision=1, definition=_definition(parsed)))
    programme.changed(session, business)
    record(session, business.id, actor=actor, action="rule.create", obj=row)
    return _stored(row, _definition(parsed))


def revise(
    session: Session,
    *,
    business: Business,
    rule_id: uuid.UUID,
    data: Mapping[str, object],
    actor: str,
    expected_revision: int | None = None,
    where: str = "",
) -> StoredRule:
    """A new revision of a rule; the status stays unless `data` names one. With `expected_revision` (the
    revision the caller read), a rule revised meanwhile is a Conflict rather than a silent overwrite."""
    row = _row(session, business.id, rule_id, lock=True)
    if expected_revision is not None and expected_revision != row.revision:
        raise Conflict(
            "rule_revision_conflict",
            f"The rule is at revision {row.revision}, not {expected_revision}: it changed since it was read. "
            "Read it again and make the change on the current revision.",
            revision=row.revision,
        )
    body = dict(data)
    if body.get("status") is None:
        body["status"] = row.status
    parsed = parse(body, business=business, where=where)
    references.check_rule(session, business=business, rule=parsed, where=where)
    if "names" in data:  # left out: the translations stay
        row.names = checked_names(data["names"], _join(where, "names"))
    row.revision += 1
    row.name, row.trigger, row.status, row.updated_at = parsed.name, parsed.trigger, parsed.status, now()
    session.add(
        RuleRevision(business_id=business.id, rule_id=row.id, revision=row.revision, definition=_definition(parsed))
    )
    programme.changed(session, business)
    record(session, business.id, actor=actor, action="rule.revise", obj=row, details={"revision": row.revision})
    return _stored(row, _definition(parsed))


def set_status(session: Session, *, business: Business, rule_id: uuid.UUID, status: str, actor: str) -> StoredRule:
    row = _row(session, business.id, rule_id, lock=True)
    if row.status != status:
        row.status, row.updated_at = status, now()
        programme.changed(session, business)
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
        view = StoredRule(row.id, wanted, row.status, found.definition, row.created_at, found.created_at, row.names)
    return view


def listing(session: Session, *, business_id: uuid.UUID, status: str | None = None) -> list[StoredRule]:
    query = (
        select(Rule, RuleRevision)
        .join(
            RuleRevision,
            (RuleRevision.business_id == Rule.business_id)
            & (RuleRevision.rule_id == Rule.id)
            & (RuleRevision.revision == Rule.revision),
        )
        .where(Rule.business_id == business_id)
        .order_by(Rule.created_at, Rule.id)
    )
    if status:
        query = query.where(Rule.status == status)
    return [_stored(row, revision.definition) for row, revision in session.execute(query).all()]


def engine_rule(view: StoredRule, *, business: Business) -> engine.Rule:
    body = {**view.definition, "status": view.status}
    parsed = parse(body, business=business, rule_id=str(view.id), revision=view.revision)
    return dataclasses.replace(parsed, names=translations_of(view.names))


@dataclass(frozen=True)
class Change:
    """What loading one rule of a file did: created, revised, activated, stopped, drafted or unchanged."""

    action: str
    rule: StoredRule
    note: str = ""

    def line(self) -> str:
        name = self.rule.definition.get("name", "")
        text = f"{self.action:<9} {self.rule.id}  revision {self.rule.revision}  {self.rule.status:<7}  {name}"
        return f"{text}  ({self.note})" if self.note else text


def load(
    session: Session, *, business: Business, bodies: Sequence[object], actor: str, where: str = "rules"
) -> list[Change]:
    """Make the business's rules match a file's: a rule whose `id` is one of the business's gets a new revision
    only when its definition changed (and a status change when only that differs); any other rule is
    created, keeping its id when no rule has it, so loading the same file twice changes nothing. Raises
    InvalidInput naming `rules.N.field` (the caller's transaction then loads nothing)."""
    changes: list[Change] = []
    seen: set[uuid.UUID] = set()
    for position, body in enumerate(bodies):
        at = _join(where, str(position))
        if not isinstance(body, Mapping):
            raise InvalidInput(at, "must be a rule (an object with name, trigger and actions)")
        data = {key: value for key, value in body.items() if key not in (*READ_ONLY_FIELDS, "id", "revision")}
        parsed = parse(data, business=business, where=at)
        rule_id = _file_id(body.get("id"), _join(at, "id"))
        if rule_id is not None and rule_id in seen:
            raise InvalidInput(_join(at, "id"), "appears twice in the file")
        row = None if rule_id is None else session.scalar(_of_business(business.id, rule_id))
        if row is None:
            free = rule_id is not None and session.get(Rule, rule_id) is None
            made = create(
                session, business=business, data=data, actor=actor, rule_id=rule_id if free else None, where=at
            )
            note = "" if free or rule_id is None else f"id {rule_id} belongs to another business: a new id"
            changes.append(Change("created", made, note))
            seen.add(made.id)
            continue
        seen.add(row.id)
        current = stored(session, business_id=business.id, rule_id=row.id)
        note = ""
        read = body.get("revision")
        if isinstance(read, int) and read != row.revision:
            note = f"the file was written at revision {read}; the file wins"
        if _definition(parsed) != current.definition:
            revised = revise(session, business=business, rule_id=row.id, data=data, actor=actor, where=at)
            changes.append(Change("revised", revised, note))
        elif data.get("status") is not None and data["status"] != row.status:
            status = str(data["status"])
            if "names" in data:
                row.names = checked_names(data["names"], _join(at, "names"))
            changed = set_status(session, business=business, rule_id=row.id, status=status, actor=actor)
            changes.append(Change({"active": "activated", "stopped": "stopped"}.get(status, "drafted"), changed))
        elif "names" in data and checked_names(data["names"], _join(at, "names")) != row.names:
            changes.append(Change("translated", _translate(session, business, row, data["names"], actor, at)))
        else:
            changes.append(Change("unchanged", current))
    return changes


def _translate(session: Session, business: Business, row: Rule, names: object, actor: str, where: str) -> StoredRule:
    """Only a rule's names changed: no new revision (they change nothing it computes)."""
    row.names = checked_names(names, _join(where, "names"))
    row.updated_at = now()
    programme.changed(session, business)
    record(session, business.id, actor=actor, action="rule.names", obj=row, details=row.names or {})
    return stored(session, business_id=business.id, rule_id=row.id)


def export(session: Session, *, business: Business) -> list[dict[str, object]]:
    """The current revision of every rule, in the canonical form `load` takes back (id, revision, status first)."""
    return [
        {**engine.rule_to_dict(engine_rule(view, business=business)), **({"names": view.names} if view.names else {})}
        for view in listing(session, business_id=business.id)
    ]


def _file_id(value: object, where: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInput(where, "must be a rule id from an export (a UUID); leave it out for a new rule") from None


def _of_business(business_id: uuid.UUID, rule_id: uuid.UUID) -> Select[Rule]:
    return select(Rule).where(Rule.id == rule_id, Rule.business_id == business_id).with_for_update()


# Built indexes, per business and rules version: rebuilding on every purchase would dominate its cost.
_index_cache: dict[uuid.UUID, tuple[int, engine.RuleIndex]] = {}


def active_rules(session: Session, *, business: Business) -> engine.RuleIndex:
    """The business's active rules, indexed for evaluation; cached until a rule changes."""

    def read() -> engine.RuleIndex:
        views = listing(session, business_id=business.id, status="active")
        return engine.RuleIndex(engine_rule(view, business=business) for view in views)

    index: engine.RuleIndex = programme.cached_for(_index_cache, session, business, read)
    return index


def _row(session: Session, business_id: uuid.UUID, rule_id: uuid.UUID, *, lock: bool = False) -> Rule:
    query = select(Rule).where(Rule.id == rule_id, Rule.business_id == business_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound("rule")
    return row


def _stored(row: Rule, definition: dict[str, Any]) -> StoredRule:
    return StoredRule(row.id, row.revision, row.status, definition, row.created_at, row.updated_at, row.names)
