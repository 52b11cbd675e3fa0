"""Backtests asked for in the Campaign Center (admin keys): chosen rules replayed over a period's recorded
purchases, at once or in batches whose progress the caller passes on. Nothing is written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from loyalty import periods
from loyalty import rules as engine
from loyalty.campaigns import backtests, rule_choice
from loyalty.db.engine import Database
from loyalty.db.models import Business, now
from loyalty.errors import InvalidInput
from loyalty.members import access
from loyalty.members.access import Principal

FIELDS = ("rules", "from", "until")


@dataclass(frozen=True)
class Started:
    """A streamed backtest, its rules and period chosen: `replay` runs it."""

    business: Business
    result: backtests.Result
    total: int  # the purchases to replay, as counted when it started


def backtest(db: Database, who: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """The whole backtest of `body` (`rules`, `from`, `until`), as its JSON answer."""
    with db.read() as session:
        business, rules, period = _chosen(session, who, body)
        return backtests.as_json(backtests.run(session, business=business, rules=rules, period=period), business)


def start(db: Database, who: Principal, body: dict[str, Any]) -> Started:
    """A backtest checked and counted, to be replayed in batches by `replay`."""
    with db.read() as session:
        business, rules, period = _chosen(session, who, body)
        total = backtests.purchases_in(session, business=business, period=period)
    return Started(business, backtests.Result(list(rules), period), total)


def replay(db: Database, started: Started) -> Iterator[int]:
    """Replay the started backtest in a read of its own, yielding the purchases done after each batch."""
    with db.read() as session:
        yield from backtests.replay(session, business=started.business, result=started.result)


def as_json(started: Started) -> dict[str, Any]:
    return backtests.as_json(started.result, started.business)


def _chosen(
    session: Session, who: Principal, body: dict[str, Any]
) -> tuple[Business, Sequence[engine.Rule], periods.Period]:
    access.require_kind(who, "admin")
    for key in body:
        if key not in FIELDS:
            raise InvalidInput(key, f"is not a field of a backtest; the fields are {', '.join(FIELDS)}")
    if not body.get("rules"):
        raise InvalidInput("rules", 'must list at least one rule: a draft, or {"id": "…"} for a stored rule')
    business = access.business(session, who.business_id)
    period = periods.period(
        _text(body.get("from"), "from"), _text(body.get("until"), "until"), timezone=business.timezone, at=now()
    )
    rules = rule_choice.chosen(session, business=business, bodies=body["rules"])
    for position, rule in enumerate(rules):
        if rule.trigger != "purchase":
            raise InvalidInput(f"rules.{position}.trigger", "must be purchase: a backtest replays recorded purchases")
    return business, rules, period


def _text(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(name, 'must be a date like "2026-11-01" or a time like "2026-11-01T09:00:00+01:00"')
