"""The point of sale: price a sale (quote), confirm it, and what a confirmed purchase recorded.

`price()` is the one computation behind both a quote and a confirmation, so a till's preview and the
recorded purchase never disagree: benefits and codes become per-line discounts (the engine's
`apply_discounts`), the points payments recorded for the transaction count as MOP `points`, and the engine's
`evaluate()` gives the points on what is left after the discounts.

`confirm()` is one database transaction: the purchase row first (its unique key makes a concurrent copy wait
and then replay), then the redemptions (guarded updates: a benefit or one-time code is spent once), the
points payments, the ledger posts, and the answer, stored to be replayed verbatim.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Text, bindparam, cast, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.audit import record
from loyalty.campaigns import codes
from loyalty.db.engine import RetryTransaction
from loyalty.db.models import (
    Asset,
    Business,
    CreditPayment,
    Member,
    PointsPayment,
    PromoCode,
    Purchase,
    PurchaseLine,
)
from loyalty.db.rows import cast_table, insert_rows
from loyalty.errors import Conflict, InvalidInput, NotFound, Refused
from loyalty.money import (
    currency_exponent,
    floor_points,
    from_minor,
    hundredths_to_points,
    points_to_hundredths,
    to_minor,
)
from loyalty.sale import awards, payments, settlement
from loyalty.wallet import benefits, credit, punch_cards
from loyalty.wallet.lots import book
from loyalty.webhooks import payloads
from loyalty.webhooks.outbox import record_event


class MemberBlocked(Refused):
    """A blocked account neither earns, nor pays with points, nor redeems at the till."""

    def __init__(self) -> None:
        super().__init__("member_blocked", "This loyalty account is blocked; the sale can go on without it.")


@dataclass(frozen=True)
class Sale:
    """A purchase as the till sends it (for a quote or a confirmation)."""

    transaction_id: str
    member_id: uuid.UUID | None
    lines: tuple[engine.Line, ...]
    payments: tuple[engine.Payment, ...] = ()
    benefits: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    occurred_at: datetime | None = None  # a sale the till sends later; None: now

    def fingerprint(self) -> str:
        """A digest of what the till sent: the same transaction id with another body is a conflict."""
        body = {
            "transaction_id": self.transaction_id,
            "member_id": str(self.member_id) if self.member_id else None,
            "lines": [
                [
                    line.line_id,
                    line.code,
                    line.name,
                    line.department,
                    str(line.quantity.normalize()),
                    str(line.amount.normalize()),
                    sorted(line.tags),
                ]
                for line in self.lines
            ],
            "payments": [[payment.mop, str(payment.amount.normalize())] for payment in self.payments],
            "benefits": list(self.benefits),
            "codes": [codes.normalise(text) for text in self.codes],
        }
        if self.occurred_at is not None:
            body["occurred_at"] = self.occurred_at.astimezone(UTC).isoformat()
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass
class Priced:
    """Everything `price()` found out about a sale."""

    sale: Sale
    member: Member | None
    discounts: engine.Discounts
    outcome: engine.Outcome | None
    rejected: list[dict[str, str]]
    assets: dict[str, Asset] = field(default_factory=dict)
    promo_codes: dict[str, PromoCode] = field(default_factory=dict)
    trigger_codes: list[PromoCode] = field(default_factory=list)
    points_payments: list[PointsPayment] = field(default_factory=list)
    credit_payments: list[CreditPayment] = field(default_factory=list)
    # The payments earning sees: the reported ones with the recorded points and credit payments as MOP `points`
    # and `credit`.
    payments_seen: tuple[engine.Payment, ...] = ()

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.sale.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discounts.total


# A till that was offline sends its sales later; a time further back than this is refused, not believed.
MAX_LATE_DAYS = 30
MAX_CLOCK_SKEW = timedelta(minutes=5)


def occurred(sale: Sale, now: datetime) -> datetime:
    """The moment the sale happened: `occurred_at` when the till sends one, within bounds, else `now`."""
    if sale.occurred_at is None:
        return now
    if sale.occurred_at.tzinfo is None:
        raise InvalidInput("occurred_at", "needs an offset, like 2027-03-31T18:30:00+02:00")
    at = sale.occurred_at.astimezone(UTC)
    if at > now + MAX_CLOCK_SKEW:
        raise InvalidInput("occurred_at", "is in the future")
    if at < now - timedelta(days=MAX_LATE_DAYS):
        raise InvalidInput("occurred_at", f"is more than {MAX_LATE_DAYS} days ago")
    return at


def check_amounts(sale: Sale, business: Business) -> None:
    """Amounts with more decimals than the currency has are refused, naming the field."""
    exponent = currency_exponent(business.currency)
    seen: set[str] = set()
    for index, line in enumerate(sale.lines):
        _fits(line.amount, exponent, f"items.{index}.amount", business.currency)
        if line.line_id in seen:
            raise InvalidInput(f"items.{index}.line_id", f"{line.line_id!r} appears twice in this purchase")
        seen.add(line.line_id)
    for index, payment in enumerate(sale.payments):
        _fits(payment.amount, exponent, f"payments.{index}.amount", business.currency)


def _fits(amount: Decimal, exponent: int, where: str, currency: str) -> None:
    try:
        to_minor(amount, exponent)
    except ValueError:
        raise InvalidInput(where, f"has more decimals than {currency} allows") from None


def price(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
) -> Priced:
    """Discounts, points and refusals for `sale`, as a quote shows them and a confirmation records them."""
    check_amounts(sale, business)
    member = _member(session, business.id, sale.member_id)
    exponent = currency_exponent(business.currency)
    rejected: list[dict[str, str]] = []
    requests: list[engine.DiscountRequest] = []
    priced = Priced(sale, member, engine.Discounts(), None, rejected)

    for asset_id in sale.benefits:
        asset, why_not = _usable_asset(session, business, member, asset_id, at)
        if asset is not None and any(taken.id == asset.id for taken in priced.assets.values()):
            continue  # another spelling of the same id ("ABC…" and "abc…"): one wallet entry, used once
        if asset is None:
            rejected.append({"id": asset_id, "reason": why_not})
            continue
        priced.assets[asset_id] = asset
        template = _template(session, business, asset.benefit_id)
        requests.append(engine.DiscountRequest(asset_id, "benefit", template.name, template))
    # Normalised before anything counts them: "FIVEOFF", "fiveoff" and " FIVEOFF" are one code, used once a sale
    # (answered under the spelling first typed).
    spellings: dict[str, str] = {}
    for typed in sale.codes:
        spellings.setdefault(codes.normalise(typed), typed)
    for text in spellings.values():
        try:
            code = codes.find_usable(
                session, business_id=business.id, text=text, member_id=member.id if member else None, at=at
            )
        except codes.CodeRefused as refusal:
            rejected.append({"code": text, "reason": codes.discreet(refusal).reason})
            continue
        priced.promo_codes[text] = code
        if code.effect == "trigger" or code.benefit_id is None:
            priced.trigger_codes.append(code)
            continue
        template = _template(session, business, code.benefit_id)
        requests.append(engine.DiscountRequest(text, "code", template.name, template))

    priced.points_payments, priced.credit_payments = settlement.recorded_for(
        session, business_id=business.id, terminal_id=terminal_id, transaction_id=sale.transaction_id
    )
    priced.payments_seen = _with_recorded(
        _with_recorded(sale.payments, credit.CREDIT_MOP, priced.credit_payments, exponent),
        payments.POINTS_MOP,
        priced.points_payments,
        exponent,
    )
    if member is not None:
        facts = engine.Purchase(
            transaction_id=sale.transaction_id,
            lines=sale.lines,
            payments=priced.payments_seen,
            branch_id=str(branch_id) if branch_id else None,
        )
        # The member's deals first, then the benefits and codes, all in the engine: points on what is left.
        priced.outcome = awards.evaluate(
            session,
            business=business,
            member=member,
            trigger=engine.Trigger.purchase(),
            at=at,
            purchase=facts,
            requests=requests,
        )
        priced.discounts = priced.outcome.discounts
    else:
        priced.discounts = engine.apply_discounts(sale.lines, requests, currency_exponent=exponent)
    for unapplied in priced.discounts.rejected:
        if unapplied.source == "deal":
            continue  # a deal is automatic: one that cannot apply is simply not there
        key = "id" if unapplied.source == "benefit" else "code"
        rejected.append({key: unapplied.id, "reason": f"{unapplied.name} {unapplied.reason}"})
    return priced


def _usable_asset(
    session: Session, business: Business, member: Member | None, asset_id: str, at: datetime
) -> tuple[Asset | None, str]:
    """The wallet entry if this member can use it now, else None and why (in a cashier's words)."""
    try:
        found = session.get(Asset, uuid.UUID(asset_id))
    except ValueError:
        found = None
    if found is None or member is None or found.business_id != business.id or found.member_id != member.id:
        return None, "this benefit is not in this member's wallet"
    standing = benefits.standing(found, at=at, timezone=business.timezone)
    if not standing.redeemable:
        return None, standing.reason or "this benefit cannot be used"
    return found, ""


def _template(session: Session, business: Business, benefit_id: uuid.UUID) -> engine.Benefit:
    """The engine's view of a stored benefit template."""
    stored = benefits.get(session, business_id=business.id, benefit_id=benefit_id)
    body = {"name": stored.name, "kind": stored.kind, **stored.definition, "valid_days": stored.valid_days}
    return engine.parse_benefit(body, currency_exponent=currency_exponent(business.currency))


def _with_recorded(
    reported: Sequence[engine.Payment],
    mop: str,
    recorded: Sequence[PointsPayment] | Sequence[CreditPayment],
    exponent: int,
) -> tuple[engine.Payment, ...]:
    """The payments accumulation sees: payments recorded through loyalty (points, credit) stand for their MOP,
    whether or not the till listed them (a listed amount of that MOP is replaced, never added, so nothing counts
    twice)."""
    if not recorded:
        return tuple(reported)
    paid = sum((from_minor(payment.amount_minor, exponent) for payment in recorded), Decimal(0))
    others = tuple(payment for payment in reported if engine.name_key(payment.mop) != mop)
    return (*others, engine.Payment(mop=mop, amount=paid))


def quote_answer(priced: Priced, business: Business) -> dict[str, Any]:
    view = _View(business)
    outcome = priced.outcome
    return {
        "transaction_id": priced.sale.transaction_id,
        "member_id": str(priced.member.id) if priced.member else None,
        "subtotal": view.money(priced.subtotal),
        "discounts": view.discounts(priced.discounts),
        "discount_total": view.money(priced.discounts.total),
        "total": view.money(priced.total),
        "points_earned": view.points(outcome.points if outcome else Decimal(0)),
        "earned": [view.award(award) for award in outcome.awards] if outcome else [],
        "rejected": priced.rejected,
        "punches": punch_cards.preview(outcome.punches) if outcome else [],
    }


def confirm(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    actor: str,
) -> tuple[dict[str, Any], bool]:
    """Record `sale` once. Returns the answer and whether it was recorded now (False: a replay)."""
    done = confirmed(
        session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at, actor=actor
    )
    return done.answer, done.created


@dataclass(frozen=True)
class Confirmed:
    """A confirmation's answer, its JSON text (stored with the purchase and replayed as it is), and whether it
    was recorded now (False: a replay)."""

    answer: dict[str, Any]
    body: str
    created: bool


def serialised(answer: dict[str, Any]) -> str:
    """The one JSON form of an answer: what is sent, stored and replayed."""
    return json.dumps(answer, separators=(",", ":"))


def confirmed(
    session: Session,
    *,
    business: Business,
    terminal_id: uuid.UUID,
    branch_id: uuid.UUID | None,
    sale: Sale,
    at: datetime,
    actor: str,
) -> Confirmed:
    """`confirm`, with the answer's JSON text."""
    fingerprint = sale.fingerprint()
    # The member is read first but judged only once this is known not to be a replay: a replay answers as the
    # first time did, whatever became of the member since.
    member = _member_row(session, business.id, sale.member_id)
    purchase = Purchase(
        id=uuid.uuid4(),
        business_id=business.id,
        branch_id=branch_id,
        terminal_id=terminal_id,
        transaction_id=sale.transaction_id,
        member_id=sale.member_id,
        request_hash=fingerprint,
        created_at=at,
    )
    if sale.member_id is not None and member is None:
        earlier = _recorded(session, business.id, terminal_id, sale.transaction_id)
        if earlier is not None:
            return _replayed(earlier, fingerprint)
        raise NotFound("member")
    # The first write: a concurrent copy of this transaction waits here for the first to end, then finds its row.
    if not _insert_once(session, purchase):
        earlier = _recorded(session, business.id, terminal_id, sale.transaction_id)
        if earlier is None:
            raise RetryTransaction()  # not visible to this transaction yet: run it again from the start
        return _replayed(earlier, fingerprint)
    check_amounts(sale, business)
    if member is not None and member.status != "active":
        raise MemberBlocked()

    priced = price(session, business=business, terminal_id=terminal_id, branch_id=branch_id, sale=sale, at=at)
    if priced.rejected:
        first = priced.rejected[0]
        raise Conflict(
            "benefit_unavailable",
            f"{first.get('id') or first.get('code')}: {first['reason']}",
            rejected=priced.rejected,
        )
    paid_by = [payment.member_id for payment in priced.points_payments] + [p.member_id for p in priced.credit_payments]
    if any(member_id != sale.member_id for member_id in paid_by):
        raise Conflict(
            "payment_member_mismatch",
            "This transaction has a points payment of another member: cancel that payment or confirm for its member.",
        )
    exponent = currency_exponent(business.currency)
    settlement.check(
        business,
        total=priced.total,
        reported=_with_recorded(sale.payments, credit.CREDIT_MOP, priced.credit_payments, exponent),
        recorded_payments=priced.points_payments,
    )
    try:
        for asset in priced.assets.values():
            benefits.redeem(
                session,
                business_id=business.id,
                member_id=asset.member_id,
                asset_id=asset.id,
                purchase_id=purchase.id,
                at=at,
            )
        for code in priced.promo_codes.values():
            codes.use(session, code=code, member_id=member.id if member else None, purchase_id=purchase.id, at=at)
    except (benefits.BenefitNotRedeemable, codes.CodeRefused) as lost:
        # Another till spent it between this sale's quote and now: nothing of this purchase is kept.
        shown = codes.discreet(lost) if isinstance(lost, codes.CodeRefused) else lost
        raise Conflict("benefit_unavailable", shown.message, **shown.details) from None
    if priced.points_payments:
        session.execute(
            update(PointsPayment)
            .where(
                PointsPayment.id.in_([payment.id for payment in priced.points_payments]),
                PointsPayment.purchase_id.is_(None),
            )
            .values(purchase_id=purchase.id)
        )

    credit.attach(session, payments=priced.credit_payments, purchase_id=purchase.id)

    applied = awards.Applied()
    if member is not None and priced.outcome is not None:
        awards.apply(
            session,
            business=business,
            member=member,
            outcome=priced.outcome,
            at=at,
            purchase_id=purchase.id,
            applied=applied,
        )
        for code in priced.trigger_codes:
            outcome = awards.evaluate(
                session, business=business, member=member, at=at, trigger=engine.Trigger.code_used(code.code)
            )
            awards.apply(
                session,
                business=business,
                member=member,
                outcome=outcome,
                at=at,
                purchase_id=purchase.id,
                applied=applied,
            )

    punched: list[punch_cards.Punched] = []
    if member is not None and priced.outcome is not None and priced.outcome.punches:
        punched = punch_cards.apply(
            session,
            business=business,
            member_id=member.id,
            punches=priced.outcome.punches,
            purchase_id=purchase.id,
            at=at,
        )

    line_discounts = priced.discounts.line_discounts
    line_points = _points_per_line(priced.outcome)
    insert_rows(
        session,
        PurchaseLine,
        [
            {
                "id": uuid.uuid4(),
                "business_id": business.id,
                "purchase_id": purchase.id,
                "line_id": line.line_id,
                "code": line.code,
                "name": line.name,
                "department": line.department or "",
                "tags": list(line.tags),
                "quantity": str(line.quantity),
                "amount_minor": to_minor(line.amount, exponent),
                "discount_minor": to_minor(line_discounts.get(line.line_id, Decimal(0)), exponent),
                "points_earned": line_points.get(line.line_id, 0),
                "position": position,
            }
            for position, line in enumerate(sale.lines)
        ],
    )

    view = _View(business)
    answer = {
        "id": str(purchase.id),
        "transaction_id": sale.transaction_id,
        "member_id": str(member.id) if member else None,
        "status": "completed",
        "subtotal": view.money(priced.subtotal),
        "total": view.money(priced.total),
        "discount_total": view.money(priced.discounts.total),
        "points_earned": view.points(hundredths_to_points(applied.points)),
        "points_paid": view.points(hundredths_to_points(sum(p.points for p in priced.points_payments))),
        "points_balance": view.points(hundredths_to_points(_spendable(session, member, at))) if member else None,
        "earned": [view.award(award) for award in applied.awards],
        "discounts": view.discounts(priced.discounts),
        "redeemed": [str(asset.id) for asset in priced.assets.values()],
        "codes_used": [code.code for code in priced.promo_codes.values()],
        "granted": [str(asset_id) for asset_id in applied.granted_asset_ids],
        "created_at": at.isoformat(),
        # The means of payment as the accumulation saw them (recorded payments stand for `points` and `credit`).
        "payments": [{"mop": payment.mop, "amount": view.money(payment.amount)} for payment in priced.payments_seen],
        "credit_paid": view.money(from_minor(sum(p.amount_minor for p in priced.credit_payments), exponent)),
        "credit_balance": view.money(from_minor(member.credit_balance, exponent)) if member else None,
        "punches": punch_cards.answer(business, punched),
    }
    body = serialised(answer)
    # The one UPDATE of the purchase: its totals and the answer's text, stored as sent.
    session.connection().execute(
        _statements(session.get_bind().dialect.name).settle,
        {
            "purchase_id": purchase.id,
            "new_total_minor": to_minor(priced.total, exponent),
            "new_discount_minor": to_minor(priced.discounts.total, exponent),
            "new_points_earned": applied.points,
            "new_payments": [
                {"mop": payment.mop, "amount_minor": to_minor(payment.amount, exponent)}
                for payment in priced.payments_seen
            ],
            "new_response": body,
        },
    )
    record(session, business.id, actor=actor, action="purchase.confirm", obj=purchase)
    record_event(session, business.id, "purchase.confirmed", payloads.purchase(answer))
    return Confirmed(answer, body, True)


def _insert_once(session: Session, purchase: Purchase) -> bool:
    """INSERT the purchase unless its (business, terminal, transaction) is taken; whether it was inserted."""
    values = {
        "new_id": purchase.id,
        "new_business_id": purchase.business_id,
        "new_branch_id": purchase.branch_id,
        "new_terminal_id": purchase.terminal_id,
        "new_transaction_id": purchase.transaction_id,
        "new_member_id": purchase.member_id,
        "new_request_hash": purchase.request_hash,
        "new_created_at": purchase.created_at,
    }
    statement = _statements(session.get_bind().dialect.name).insert_once
    return session.connection().execute(statement, values).first() is not None


@dataclass(frozen=True)
class _Statements:
    insert_once: Any
    settle: Any


_built: dict[str, _Statements] = {}


def _statements(dialect: str) -> _Statements:
    """The purchase's own INSERT and UPDATE, built once per database dialect."""
    found = _built.get(dialect)
    if found is not None:
        return found
    table = cast_table(Purchase)
    columns = ("id", "business_id", "branch_id", "terminal_id", "transaction_id", "member_id", "request_hash")
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in (*columns, "created_at")}
    values |= {"status": "completed", "response": {}, "total_minor": 0, "discount_minor": 0, "points_earned": 0}
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(values)
    # The answer is JSON text already: PostgreSQL casts it to its json type, SQLite stores the text as it is.
    text = bindparam("new_response", type_=Text)
    settle = (
        update(table)
        .where(table.c.id == bindparam("purchase_id"))
        .values(
            total_minor=bindparam("new_total_minor"),
            discount_minor=bindparam("new_discount_minor"),
            points_earned=bindparam("new_points_earned"),
            payments=bindparam("new_payments", type_=JSON),
            response=cast(text, JSON) if dialect == "postgresql" else text,
        )
    )
    found = _built[dialect] = _Statements(insert.on_conflict_do_nothing().returning(table.c.id), settle)
    return found


def _spendable(session: Session, member: Member, at: datetime) -> int:
    return book.balance_now(session, member_id=member.id, cached=member.points_balance, at=at)


def _points_per_line(outcome: engine.Outcome | None) -> dict[str, int]:
    per_line: dict[str, int] = {}
    for award in outcome.awards if outcome else ():
        for share in award.lines:
            per_line[share.line_id] = per_line.get(share.line_id, 0) + points_to_hundredths(share.points)
    return per_line


def _recorded(session: Session, business_id: uuid.UUID, terminal_id: uuid.UUID, transaction_id: str) -> Purchase | None:
    return session.scalar(
        select(Purchase).where(
            Purchase.business_id == business_id,
            Purchase.terminal_id == terminal_id,
            Purchase.transaction_id == transaction_id,
        )
    )


def _replayed(earlier: Purchase, fingerprint: str) -> Confirmed:
    answer = _replay(earlier, fingerprint)
    return Confirmed(answer, serialised(answer), False)


def _replay(earlier: Purchase, fingerprint: str) -> dict[str, Any]:
    if earlier.request_hash != fingerprint:
        raise Conflict(
            "transaction_conflict",
            f"Transaction {earlier.transaction_id} was already recorded with a different content.",
        )
    return dict(earlier.response)


def _member_row(session: Session, business_id: uuid.UUID, member_id: uuid.UUID | None) -> Member | None:
    """The member of this business, or None: what a sale may do with them is for the caller to judge."""
    if member_id is None:
        return None
    member = session.get(Member, member_id)
    return member if member is not None and member.business_id == business_id else None


def _member(session: Session, business_id: uuid.UUID, member_id: uuid.UUID | None) -> Member | None:
    if member_id is None:
        return None
    member = session.get(Member, member_id)
    if member is None or member.business_id != business_id:
        raise NotFound("member")
    if member.status != "active":
        raise MemberBlocked()
    return member


def find(session: Session, *, business_id: uuid.UUID, purchase_id: uuid.UUID) -> Purchase:
    purchase = session.get(Purchase, purchase_id)
    if purchase is None or purchase.business_id != business_id:
        raise NotFound("purchase")
    return purchase


class _View:
    """Money and points as the API writes them: decimal strings at the business's precision."""

    def __init__(self, business: Business) -> None:
        self.exponent = currency_exponent(business.currency)
        self.points_decimals = business.points_decimals

    def money(self, amount: Decimal) -> str:
        return str(amount.quantize(Decimal(1).scaleb(-self.exponent)))

    def points(self, points: Decimal) -> str:
        return str(floor_points(points, self.points_decimals))

    def award(self, award: engine.Award) -> dict[str, Any]:
        return {
            "rule_id": award.rule_id,
            "revision": award.revision,
            "rule_name": award.rule_name,
            "points": self.points(award.points),
            "explanation": award.explanation,
            "lines": [{"line_id": share.line_id, "points": self.points(share.points)} for share in award.lines],
        }

    def discounts(self, discounts: engine.Discounts) -> list[dict[str, Any]]:
        return [
            {
                "source": applied.source,
                "id": applied.id,
                "name": applied.name,
                "amount": self.money(applied.amount),
                "lines": [{"line_id": line.line_id, "amount": self.money(line.amount)} for line in applied.lines],
            }
            for applied in discounts.applied
        ]
