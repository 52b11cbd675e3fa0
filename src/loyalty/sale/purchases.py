"""A sale as the till sends it, what pricing it found, and a confirmed purchase found again.

The use cases are elsewhere: `pricing.price()` (the one computation behind a quote and a confirmation),
`confirmation.confirmed()` (recording it once), `checkout` (the services the doors call), `reversals` (undoing it).
This module holds what they share: the `Sale`, the `Priced` result, the member a sale may serve, the amounts a sale
may carry, and the API's view of money and points.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.campaigns import codes
from loyalty.db import scoped
from loyalty.db.models import (
    Asset,
    Business,
    CreditPayment,
    Member,
    PointsPayment,
    PromoCode,
    Purchase,
)
from loyalty.errors import InvalidInput, NotFound, Refused
from loyalty.i18n import reader
from loyalty.money import currency_exponent, floor_points, quantize_money, to_minor


class MemberBlocked(Refused):
    """A blocked account neither earns, nor pays with points, nor redeems at the till."""

    def __init__(self) -> None:
        super().__init__("member_blocked", "This loyalty account is blocked; the sale can go on without it.")


@dataclass(frozen=True)
class Charged:
    """The loyalty discounts a till already charged (Como's `appliedAmount` of `redeemAssets` and `deals`): per
    source (`benefit`, `code`, `deal`) and id, the amount off, or None where the till left it to loyalty."""

    discounts: tuple[tuple[str, str, Decimal | None], ...] = ()
    deals_listed: bool = False  # the till listed the deals it gave: a deal it did not list, it did not give

    def lists(self, source: str, ident: str) -> bool:
        return any(kind == source and key == ident for kind, key, _ in self.discounts)

    def amount(self, source: str, ident: str) -> Decimal | None:
        """The till's amount for this discount (a code in any spelling), or None."""
        wanted = codes.normalise(ident) if source == "code" else ident
        for kind, key, amount in self.discounts:
            if kind == source and (codes.normalise(key) if kind == "code" else key) == wanted:
                return amount
        return None


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
    # A closed sale recorded as the till made it (Como): the discounts it charged; None: loyalty's own.
    charged: Charged | None = None

    def fingerprint(self) -> str:
        """A digest of what the till sent: the same transaction id with another body is a conflict."""
        body: dict[str, Any] = {
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
        if self.charged is not None:
            listed = [[source, ident, str(amount)] for source, ident, amount in self.charged.discounts]
            body["charged"] = [listed, self.charged.deals_listed]
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
    # A sale recorded as the till charged it (`as_charged`): what was declined, and loyalty's own discounts.
    declined: list[dict[str, str]] = field(default_factory=list)
    computed_discounts: engine.Discounts | None = None

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


def check_transaction_id(text: str, field: str = "transaction_id") -> None:
    """A till's transaction id is printable text: a NUL or a lone surrogate is no id (and no database stores it)."""
    if not text.isprintable():
        raise InvalidInput(field, "must be printable text")


# One sale's reach: a line of 200,000 coffees made 20,000 rewards and held the database's writer for 16 s.
MAX_LINE_QUANTITY = Decimal(10_000)
MAX_WALLET_ENTRIES = 100  # rewards, punch-card rewards and gifts one sale may put in a wallet


def check_amounts(sale: Sale, business: Business) -> None:
    """Amounts with more decimals than the currency has, and quantities past the sale's reach, are refused,
    naming the field."""
    check_transaction_id(sale.transaction_id)
    exponent = currency_exponent(business.currency)
    seen: set[str] = set()
    for index, line in enumerate(sale.lines):
        if abs(line.quantity) > MAX_LINE_QUANTITY:
            raise InvalidInput(f"items.{index}.quantity", f"must be at most {MAX_LINE_QUANTITY} on one line")
        _fits(line.amount, exponent, f"items.{index}.amount", business.currency)
        if line.line_id in seen:
            raise InvalidInput(f"items.{index}.line_id", f"{line.line_id!r} appears twice in this purchase")
        seen.add(line.line_id)
    for index, payment in enumerate(sale.payments):
        _fits(payment.amount, exponent, f"payments.{index}.amount", business.currency)


def check_reach(sale: Sale, outcome: engine.Outcome) -> None:
    """A sale puts at most `MAX_WALLET_ENTRIES` entries in a wallet; past that it is refused, naming the line whose
    punches (or the rules' gifts, `items`) go beyond."""
    entries = len(outcome.benefits_to_grant)
    if entries > MAX_WALLET_ENTRIES:
        raise InvalidInput(
            "items", f"this sale would put {entries} entries in the wallet; at most {MAX_WALLET_ENTRIES}"
        )
    for punch in outcome.punches:
        entries += punch.filled
        if entries > MAX_WALLET_ENTRIES:
            ids = [line.line_id for line in sale.lines]
            line_id = max(punch.lines, key=lambda share: share[1])[0] if punch.lines else None
            where = f"items.{ids.index(line_id)}.quantity" if line_id in ids else "items"
            raise InvalidInput(
                where,
                f"this sale would fill {punch.filled} {punch.name} cards; at most {MAX_WALLET_ENTRIES} rewards a sale",
            )


def _fits(amount: Decimal, exponent: int, where: str, currency: str) -> None:
    try:
        to_minor(amount, exponent)
    except ValueError:
        raise InvalidInput(where, f"has more decimals than {currency} allows") from None


def member_row(session: Session, business_id: uuid.UUID, member_id: uuid.UUID | None) -> Member | None:
    """The member of this business, or None: what a sale may do with them is for the caller to judge."""
    if member_id is None:
        return None
    member = scoped.get(session, Member, member_id, business_id=business_id)
    return member if member is not None and member.business_id == business_id else None


def buyer(session: Session, business_id: uuid.UUID, member_id: uuid.UUID | None) -> Member | None:
    if member_id is None:
        return None
    member = scoped.get(session, Member, member_id, business_id=business_id)
    if member is None or member.business_id != business_id:
        raise NotFound("member")
    if member.status != "active":
        raise MemberBlocked()
    return member


def find(session: Session, *, business_id: uuid.UUID, purchase_id: uuid.UUID) -> Purchase:
    purchase = scoped.get(session, Purchase, purchase_id, business_id=business_id)
    if purchase is None or purchase.business_id != business_id:
        raise NotFound("purchase")
    return purchase


class View:
    """Money and points as the API writes them: decimal strings at the business's precision."""

    def __init__(self, business: Business) -> None:
        self.exponent = currency_exponent(business.currency)
        self.speech = reader.speech_for(business)  # explanations in the reader's language
        self.points_decimals = business.points_decimals

    def money(self, amount: Decimal) -> str:
        return str(quantize_money(amount, self.exponent))

    def points(self, points: Decimal) -> str:
        return str(floor_points(points, self.points_decimals))

    def award(self, award: engine.Award) -> dict[str, Any]:
        return {
            "rule_id": award.rule_id,
            "revision": award.revision,
            "rule_name": self.speech.name(award.rule_name, award.rule_names),
            "points": self.points(award.points),
            "explanation": self.speech.explain(award),
            "lines": [{"line_id": share.line_id, "points": self.points(share.points)} for share in award.lines],
        }

    def discounts(self, discounts: engine.Discounts) -> list[dict[str, Any]]:
        return [
            {
                "source": applied.source,
                "id": applied.id,
                "name": self.speech.name(applied.name, applied.names),
                "amount": self.money(applied.amount),
                "lines": [{"line_id": line.line_id, "amount": self.money(line.amount)} for line in applied.lines],
            }
            for applied in discounts.applied
        ]
