"""A business's own setup, by its admin keys: its settings, branches, terminals and API keys.

One function per use case: each opens its transaction on the database it is given, checks the caller's key kind
and keeps every id inside the caller's business (another business's id is not found).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import i18n, text
from loyalty.audit import record
from loyalty.db.clock import now
from loyalty.db.engine import Database
from loyalty.db.models import ApiKey, Branch, Business, Terminal
from loyalty.errors import InvalidInput
from loyalty.members import access, texting
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, to_minor
from loyalty.sale import means_of_payment, payment_policy
from loyalty.wallet import credit

# Settings where null means "none" (never expire, no reminders): an explicit null sets them.
NULLABLE_SETTINGS = ("points_expire_after_days", "points_expiry_reminder_days", "text_countries")
# Amounts kept in minor units, in a column of their own; null removes the limit.
MONEY_SETTINGS = ("payment_min", "payment_max")


@dataclass(frozen=True)
class NewTerminal:
    name: str
    branch_id: uuid.UUID


@dataclass(frozen=True)
class NewKey:
    kind: str
    name: str = ""
    terminal_id: uuid.UUID | None = None


def business(db: Database, who: Principal) -> Business:
    access.require_kind(who, "admin")
    with db.read() as session:
        return access.business(session, who.business_id)


def change_business(db: Database, who: Principal, given: Mapping[str, Any]) -> Business:
    """Change the settings `given` names (as sent: a null is "unchanged" except where null has a meaning)."""
    access.require_kind(who, "admin")

    def work(session: Session) -> Business:
        found = access.business_to_change(session, who.business_id)
        changes = {name: value for name, value in given.items() if value is not None or name in NULLABLE_SETTINGS}
        if "point_value" in changes:
            found.point_value_minor = _minor(found, changes.pop("point_value"), "point_value")
        if "timezone" in changes:
            access.check_timezone(changes["timezone"])
        if "language" in changes:
            changes["language"] = i18n.checked(changes["language"], "language")
        if "payment_wallet" in changes:
            payment_policy.check_wallet(changes["payment_wallet"])
        for name in MONEY_SETTINGS:
            changes.pop(name, None)
            if name in given:
                amount = given[name]
                setattr(found, f"{name}_minor", None if amount is None else _minor(found, amount, name))
        payment_policy.check_limits_setting(found.payment_min_minor, found.payment_max_minor)
        if "means_of_payment" in changes:
            changes["means_of_payment"] = means_of_payment.checked(changes["means_of_payment"])
        if "text_countries" in changes:
            changes["text_countries"] = texting.checked(changes["text_countries"])
        if "credit_top_up_bonus" in changes:
            changes["credit_top_up_bonus"] = credit.parse_bonus_table(changes["credit_top_up_bonus"], found)
        for name, value in changes.items():
            setattr(found, name, value)
        details = {name: str(value) if isinstance(value, Decimal) else value for name, value in given.items()}
        record(session, found.id, actor=who.actor, action="business.update", obj=found, details=details)
        return found

    return db.write(work)


def _minor(business: Business, amount: Decimal, field: str) -> int:
    try:
        return to_minor(amount, currency_exponent(business.currency))
    except ValueError:
        raise InvalidInput(field, f"has more decimals than {business.currency} allows") from None


def branches(db: Database, who: Principal) -> list[Branch]:
    access.require_kind(who, "admin")
    with db.read() as session:
        query = select(Branch).where(Branch.business_id == who.business_id).order_by(Branch.created_at)
        return list(session.scalars(query))


def create_branch(db: Database, who: Principal, name: str) -> Branch:
    access.require_kind(who, "admin")

    def work(session: Session) -> Branch:
        branch = Branch(business_id=who.business_id, name=name)
        session.add(branch)
        session.flush()
        record(session, who.business_id, actor=who.actor, action="branch.create", obj=branch)
        return branch

    return db.write(work)


def terminals(db: Database, who: Principal) -> list[Terminal]:
    access.require_kind(who, "admin")
    with db.read() as session:
        query = select(Terminal).where(Terminal.business_id == who.business_id).order_by(Terminal.created_at)
        return list(session.scalars(query))


def create_terminal(db: Database, who: Principal, new: NewTerminal) -> Terminal:
    access.require_kind(who, "admin")

    def work(session: Session) -> Terminal:
        branch = session.scalar(select(Branch).where(Branch.business_id == who.business_id, Branch.id == new.branch_id))
        if branch is None:
            raise InvalidInput("branch_id", "is not a branch of this business")
        terminal = Terminal(business_id=who.business_id, branch_id=branch.id, name=new.name)
        session.add(terminal)
        session.flush()
        record(session, who.business_id, actor=who.actor, action="terminal.create", obj=terminal)
        return terminal

    return db.write(work)


def rename_terminal(db: Database, who: Principal, terminal_id: uuid.UUID, name: str | None) -> Terminal:
    """A terminal's new name (None: unchanged)."""
    access.require_kind(who, "admin")
    text.check(name, "name", max_length=200)
    if name is not None and not name.strip():
        raise InvalidInput("name", "must not be empty")

    def work(session: Session) -> Terminal:
        terminal = access.terminal(session, business_id=who.business_id, terminal_id=terminal_id)
        if name is not None:
            terminal.name = name.strip()
            record(session, who.business_id, actor=who.actor, action="terminal.rename", obj=terminal)
        return terminal

    return db.write(work)


def retire_terminal(db: Database, who: Principal, terminal_id: uuid.UUID) -> Terminal:
    """The terminal sells no more: the pos keys bound to it are revoked, and a Como till naming its X-Pos-Id is
    refused (not made again). Its sales stay. Twice is once."""
    access.require_kind(who, "admin")

    def work(session: Session) -> Terminal:
        terminal = access.terminal(session, business_id=who.business_id, terminal_id=terminal_id)
        if terminal.retired_at is not None:
            return terminal
        terminal.retired_at = now()
        bound = select(ApiKey.id).where(
            ApiKey.business_id == who.business_id, ApiKey.terminal_id == terminal.id, ApiKey.revoked_at.is_(None)
        )
        for key_id in list(session.scalars(bound)):
            access.revoke_key(session, business_id=who.business_id, key_id=key_id, actor=who.actor)
        record(session, who.business_id, actor=who.actor, action="terminal.retire", obj=terminal)
        return terminal

    return db.write(work)


def keys(db: Database, who: Principal) -> list[ApiKey]:
    access.require_kind(who, "admin")
    with db.read() as session:
        return access.keys(session, business_id=who.business_id)


def create_key(db: Database, who: Principal, new: NewKey) -> tuple[str, ApiKey]:
    """A new admin or pos key: (the raw key, shown this once, and the key as stored)."""
    access.require_kind(who, "admin")
    if new.kind not in ("admin", "pos"):
        raise InvalidInput("kind", "must be admin or pos")

    def work(session: Session) -> tuple[str, ApiKey]:
        terminal = None
        if new.kind == "pos":
            if new.terminal_id is None:
                raise InvalidInput("terminal_id", "is required for a pos key")
            terminal = access.terminal(session, business_id=who.business_id, terminal_id=new.terminal_id)
        raw, key = access.issue_key(
            session, business_id=who.business_id, kind=new.kind, name=new.name, terminal=terminal
        )
        record(session, who.business_id, actor=who.actor, action="key.create", obj=key)
        return raw, key

    return db.write(work)


def revoke_key(db: Database, who: Principal, key_id: uuid.UUID) -> ApiKey:
    access.require_kind(who, "admin")
    return db.write(
        lambda session: access.revoke_key(session, business_id=who.business_id, key_id=key_id, actor=who.actor)
    )
