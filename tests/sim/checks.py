"""The invariants read from the database after every step, against what the oracle was told."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import (
    CreditPayment,
    LedgerTransaction,
    Member,
    PointsPayment,
    PromoCode,
    Purchase,
)
from loyalty.money import from_minor
from loyalty.wallet import credit, ledger, punch_cards
from tests.sim.door import Request
from tests.sim.oracle import Oracle


def books(session: Session) -> list[str]:
    """`loyalty verify`: points, lots, credit and punches each balance."""
    return ledger.verify(session) + credit.verify(session) + punch_cards.verify(session)


def payments_within_sales(session: Session, oracle: Oracle) -> list[str]:
    """The points and credit paid in one transaction never exceed what its sale costs."""
    paid: dict[tuple[str, str], int] = defaultdict(int)
    for model in (PointsPayment, CreditPayment):
        query = (
            select(model.terminal_id, model.transaction_id, func.sum(model.amount_minor))
            .where(model.status == "active")
            .group_by(model.terminal_id, model.transaction_id)
        )
        for terminal, transaction, total in session.execute(query):
            paid[(str(terminal), transaction)] += int(total)
    totals = {
        (str(terminal), transaction): Decimal(from_minor(total, 2))
        for terminal, transaction, total in session.execute(
            select(Purchase.terminal_id, Purchase.transaction_id, Purchase.total_minor)
        )
    }
    problems = []
    for key, minor in paid.items():
        cost = totals.get(key, oracle.quoted.get(key))
        if cost is not None and from_minor(minor, 2) > cost:
            problems.append(f"transaction {key[1]} paid {from_minor(minor, 2)} for a sale of {cost}")
    return problems


def purchases_as_answered(session: Session, oracle: Oracle) -> list[str]:
    """Every acknowledged purchase is there once, with the answer its till got; none is there unacknowledged but
    one whose COMMIT went through unanswered."""
    problems = []
    rows = session.execute(select(Purchase.terminal_id, Purchase.transaction_id, Purchase.response)).all()
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for terminal, transaction, response in rows:
        key = (str(terminal), transaction)
        seen[key] += 1
        sold = oracle.sold.get(key)
        if sold is None and (str(terminal), f"purchase:{transaction}") not in oracle.maybe:
            problems.append(f"purchase {transaction} recorded but never acknowledged")
        elif sold is not None and response != sold.answer:
            problems.append(f"purchase {transaction} stored {response} but answered {sold.answer}")
    problems += [f"purchase {key[1]} recorded {count} times" for key, count in seen.items() if count > 1]
    problems += [f"purchase {key[1]} acknowledged but missing" for key in oracle.sold if key not in seen]
    return problems


def payments_as_answered(session: Session, oracle: Oracle) -> list[str]:
    problems = []
    for model in (PointsPayment, CreditPayment):
        for terminal, key, count in session.execute(
            select(model.terminal_id, model.idempotency_key, func.count()).group_by(
                model.terminal_id, model.idempotency_key
            )
        ):
            known = (str(terminal), key) in oracle.paid or (str(terminal), f"pay:{key}") in oracle.maybe
            if count != 1 or not known:
                problems.append(f"payment {key}: {count} recorded, acknowledged: {known}")
    return problems


def spent_once(session: Session, oracle: Oracle) -> list[str]:
    """A benefit is redeemed by one standing purchase at most; a code is never used beyond its limit."""
    problems = []
    redeemed: dict[str, int] = defaultdict(int)
    for sold in oracle.sold.values():
        for asset in sold.answer.get("redeemed", []) if not sold.cancelled else []:
            redeemed[asset] += 1
    problems += [f"benefit {asset} redeemed {count} times" for asset, count in redeemed.items() if count > 1]
    for code, uses, most in session.execute(select(PromoCode.code, PromoCode.uses, PromoCode.max_uses)):
        if most is not None and uses > most:
            problems.append(f"code {code} used {uses} times of {most}")
    negative = session.execute(
        select(Member.id, Member.points_balance, Member.credit_balance).where(
            (Member.points_balance < 0) | (Member.credit_balance < 0)
        )
    ).all()
    return problems + [f"member {row[0]} below zero: {row[1]} points, {row[2]} credit" for row in negative]


def nothing_of(session: Session, request: Request, oracle: Oracle) -> list[str]:
    """After a refusal or a 503 'nothing was recorded', no row of that request exists (unless an earlier attempt's
    is known to stand)."""
    terminal = uuid.UUID(request.facts["terminal_id"])
    if oracle.key(request) in oracle.maybe:
        return []
    if request.op == "purchase" and (str(terminal), request.key) not in oracle.sold:
        query = select(func.count()).where(Purchase.terminal_id == terminal, Purchase.transaction_id == request.key)
    elif request.op == "pay" and (str(terminal), request.key) not in oracle.paid:
        model = CreditPayment if request.facts["wallet"] == "credit" else PointsPayment
        query = select(func.count()).where(model.terminal_id == terminal, model.idempotency_key == request.key)
    else:
        return []
    found = session.scalar(query) or 0
    return [f"{found} rows of a refused {request.op} {request.key}"] if found else []


def all_or_nothing(session: Session, request: Request) -> list[str]:
    """After 'outcome unknown': the purchase or payment is there whole, or not at all."""
    terminal = uuid.UUID(request.facts["terminal_id"])
    if request.op == "purchase":
        found = session.execute(
            select(Purchase.id, Purchase.points_earned).where(
                Purchase.terminal_id == terminal, Purchase.transaction_id == request.key
            )
        ).first()
        if found is None:
            return []
        earns = session.scalar(
            select(func.count()).where(LedgerTransaction.purchase_id == found[0], LedgerTransaction.kind == "earn")
        )
        return [] if (earns or 0) == (1 if found[1] else 0) else [f"purchase {request.key} without its earning"]
    if request.op == "pay" and request.facts["wallet"] == "points":
        found_id = session.scalar(
            select(PointsPayment.id).where(
                PointsPayment.terminal_id == terminal, PointsPayment.idempotency_key == request.key
            )
        )
        if found_id is None:
            return []
        spent = session.scalar(select(func.count()).where(LedgerTransaction.payment_id == found_id))
        return [] if spent else [f"payment {request.key} without its ledger transaction"]
    return []


def while_in_flight(db: Database, oracle: Oracle) -> list[str]:
    """What holds even while other tills' requests are under way: the books, the caps, nothing spent twice."""
    with db.read() as session:
        return books(session) + payments_within_sales(session, oracle) + spent_once(session, oracle)


def after_step(db: Database, oracle: Oracle, request: Request | None, status: int, error: str) -> list[str]:
    """Everything, once no other request is under way."""
    with db.read() as session:
        problems = books(session)
        problems += payments_within_sales(session, oracle)
        problems += purchases_as_answered(session, oracle)
        problems += payments_as_answered(session, oracle)
        problems += spent_once(session, oracle)
        if request is not None and (400 <= status < 500 or error in ("database_busy", "database_unavailable")):
            problems += nothing_of(session, request, oracle)
        if request is not None and error == "outcome_unknown":
            problems += all_or_nothing(session, request)
    return problems
