"""The Campaign Center's rules, by admin keys: create, list, read, revise, activate and stop.

One function per use case, each in a transaction of its own on the database it is given; a rule of another
business is not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from loyalty.campaigns import rulebook
from loyalty.campaigns.rulebook import StoredRule
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members.access import Principal

STATUSES = ("draft", "active", "stopped")


def create_rule(db: Database, who: Principal, body: Mapping[str, Any]) -> StoredRule:
    """A new rule at revision 1 (status `draft` unless the body says otherwise)."""
    access.require_kind(who, "admin")
    for field in ("id", "revision"):
        if body.get(field) is not None:
            raise InvalidInput(field, "is chosen by the server; change an existing rule with PUT /v1/rules/{id}")
    data = {key: value for key, value in body.items() if key not in rulebook.READ_ONLY_FIELDS}

    def work(session: Session) -> StoredRule:
        business = access.business(session, who.business_id)
        return rulebook.create(session, business=business, data=data, actor=who.actor)

    return db.write(work)


def rules(db: Database, who: Principal, *, status: str | None = None) -> list[StoredRule]:
    """Every rule of the business at its current revision, oldest first."""
    access.require_kind(who, "admin")
    with db.read() as session:
        return rulebook.listing(session, business_id=who.business_id, status=status)


def rule(db: Database, who: Principal, rule_id: uuid.UUID, *, revision: int | None = None) -> StoredRule:
    access.require_kind(who, "admin")
    with db.read() as session:
        return rulebook.stored(session, business_id=who.business_id, rule_id=rule_id, revision=revision)


def revise_rule(db: Database, who: Principal, rule_id: uuid.UUID, body: Mapping[str, Any]) -> StoredRule:
    """A new revision from the full rule. `revision`, when given, is the one the change was made on: a rule
    revised meanwhile is a conflict rather than a silent overwrite."""
    access.require_kind(who, "admin")
    if body.get("id") is not None and str(body["id"]) != str(rule_id):
        raise InvalidInput("id", "must be this rule's id (or left out)")
    expected = body.get("revision")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 1):
        raise InvalidInput("revision", "must be the revision this change was made on, a whole number from 1")
    data = {key: value for key, value in body.items() if key not in (*rulebook.READ_ONLY_FIELDS, "id", "revision")}

    def work(session: Session) -> StoredRule:
        business = access.business(session, who.business_id)
        return rulebook.revise(
            session, business=business, rule_id=rule_id, data=data, actor=who.actor, expected_revision=expected
        )

    return db.write(work)


def set_rule_status(db: Database, who: Principal, rule_id: uuid.UUID, status: str) -> StoredRule:
    """Activate or stop a rule; one already in that status is left unchanged."""
    access.require_kind(who, "admin")
    if status not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}")

    def work(session: Session) -> StoredRule:
        business = access.business(session, who.business_id)
        return rulebook.set_status(session, business=business, rule_id=rule_id, status=status, actor=who.actor)

    return db.write(work)
