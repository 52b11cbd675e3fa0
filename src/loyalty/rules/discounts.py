"""Benefits and promo codes turned into per-line discounts.

Order and arithmetic, so a till and a quote always agree:

1. Discounts apply in the order they are requested (the shell passes the purchase's `benefits` first, then
   its `codes`, each in the order sent). Each one works on what the earlier ones left of every line, so no
   line ever goes below zero.
2. `min_spend` is compared with the purchase total as the POS sent it (before loyalty discounts), so whether
   one benefit applies never depends on another.
3. A percent discount is `percent` of what is left on the lines it covers, rounded half-even to the currency,
   then capped at `max`. An amount discount is capped at what is left on the lines it covers. Either is spread
   over those lines in proportion to what is left on them, by largest remainder (the line amounts add up to
   the discount).
4. A free item makes the most valuable units free first: lines are taken by unit price (what is left of the
   line divided by its quantity), highest first, equal prices in line order, up to `max_units` units. A line
   sold by weight (a fractional quantity) counts as one unit: the whole line.
5. A discount that cannot apply is rejected with a sentence saying why; it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from loyalty.money import allocate, quantize_money
from loyalty.rules.facts import Line
from loyalty.rules.fields import (
    FieldInvalid,
    amount_field,
    no_unknown_fields,
    object_field,
    plain,
    positive_int_field,
    quantity_field,
    selector_field,
    selector_to_dict,
    text_field,
)
from loyalty.rules.message import Amount, Message, msg
from loyalty.rules.selectors import ItemSelector
from loyalty.rules.written import Translations

__all__ = [
    "AppliedDiscount",
    "Benefit",
    "BenefitInvalid",
    "DiscountRequest",
    "Discounts",
    "LineAmount",
    "RejectedDiscount",
    "apply_discounts",
    "benefit_to_dict",
    "parse_benefit",
]

BenefitKind = Literal["discount", "free_item"]
Source = Literal["benefit", "code", "deal"]
BENEFIT_KINDS: Final[tuple[BenefitKind, ...]] = ("discount", "free_item")
_HUNDRED = Decimal(100)


class BenefitInvalid(FieldInvalid):
    """The benefit template cannot be accepted; `field` names the offending field."""


@dataclass(frozen=True, slots=True)
class Benefit:
    """A benefit template: `discount` (`percent` with an optional `maximum`, or `amount`) or `free_item`."""

    name: str
    kind: BenefitKind
    percent: Decimal | None = None
    maximum: Decimal | None = None
    amount: Decimal | None = None
    items: ItemSelector | None = None
    max_units: int = 1
    min_spend: Decimal | None = None
    valid_days: int | None = None


@dataclass(frozen=True, slots=True)
class DiscountRequest:
    """One benefit (a wallet asset) or promo code the till asks to apply; `id` is the asset id or the code."""

    id: str
    source: Source
    name: str
    template: Benefit
    names: Translations = ()  # a deal's rule name per language


@dataclass(frozen=True, slots=True)
class LineAmount:
    line_id: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AppliedDiscount:
    id: str
    source: Source
    name: str
    amount: Decimal
    lines: tuple[LineAmount, ...]
    names: Translations = field(default=(), compare=False)  # `name` per language, from the request


@dataclass(frozen=True, slots=True)
class RejectedDiscount:
    id: str
    source: Source
    name: str
    reason: str  # in English; `message` is it as data, for the shell to say in a language
    message: Message | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Discounts:
    """The discounts that applied, in order, and those that could not, with why."""

    applied: tuple[AppliedDiscount, ...] = ()
    rejected: tuple[RejectedDiscount, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((discount.amount for discount in self.applied), Decimal(0))

    @property
    def line_discounts(self) -> dict[str, Decimal]:
        """The total discount per line id: pass it to `evaluate(..., line_discounts=...)`."""
        per_line: dict[str, Decimal] = {}
        for discount in self.applied:
            for line in discount.lines:
                per_line[line.line_id] = per_line.get(line.line_id, Decimal(0)) + line.amount
        return per_line


def apply_discounts(
    lines: Sequence[Line], requests: Sequence[DiscountRequest], *, currency_exponent: int = 2
) -> Discounts:
    """Apply `requests` in order to `lines` (see the module docstring for the order and the arithmetic)."""
    remaining = [line.amount for line in lines]
    purchase_total = sum(remaining, Decimal(0))
    applied: list[AppliedDiscount] = []
    rejected: list[RejectedDiscount] = []
    seen: set[tuple[str, str]] = set()
    for request in requests:
        key = (request.source, request.id)
        reason: Message | None
        if key in seen:
            reason, amounts = msg("is already in this sale"), None
        else:
            seen.add(key)
            reason, amounts = _discount(request.template, lines, remaining, purchase_total, currency_exponent)
        if amounts is None:
            why = reason or msg("does not apply")
            rejected.append(RejectedDiscount(request.id, request.source, request.name, why.english(), why))
            continue
        for index, amount in amounts.items():
            remaining[index] -= amount
        applied.append(
            AppliedDiscount(
                id=request.id,
                source=request.source,
                name=request.name,
                names=request.names,
                amount=sum(amounts.values(), Decimal(0)),
                lines=tuple(LineAmount(lines[index].line_id, amounts[index]) for index in sorted(amounts)),
            )
        )
    return Discounts(applied=tuple(applied), rejected=tuple(rejected))


def _discount(
    template: Benefit,
    lines: Sequence[Line],
    remaining: Sequence[Decimal],
    purchase_total: Decimal,
    exponent: int,
) -> tuple[Message | None, dict[int, Decimal] | None]:
    """(None, amount per line index) when the template applies, else (why not, None)."""
    if template.min_spend is not None and purchase_total < template.min_spend:
        return msg("needs a purchase of at least {minimum}", minimum=Amount(template.min_spend, exponent)), None
    items = template.items
    covered = [index for index, line in enumerate(lines) if items is None or items.matches(line)]
    if not covered:
        return msg("no item in this sale qualifies"), None
    left = [index for index in covered if remaining[index] > 0]
    if not left:
        return msg("the items it covers are already fully discounted"), None
    if template.kind == "free_item":
        amounts = _free_units(template.max_units, lines, remaining, left, exponent)
    else:
        amounts = _spread_discount(template, remaining, left, exponent)
    amounts = {index: amount for index, amount in amounts.items() if amount > 0}
    if not amounts:
        return msg("comes to {amount} on this sale", amount=Amount(Decimal(0), exponent)), None
    return None, amounts


def _spread_discount(
    template: Benefit, remaining: Sequence[Decimal], left: Sequence[int], exponent: int
) -> dict[int, Decimal]:
    base = sum((remaining[index] for index in left), Decimal(0))
    if template.percent is not None:
        amount = quantize_money(base * template.percent / _HUNDRED, exponent)
        if template.maximum is not None:
            amount = min(amount, template.maximum)
    else:
        amount = min(template.amount or Decimal(0), base)
    # Proportional to what is left, so no line can get more than it has: each share is at most its ceiling.
    shares = allocate(amount, [remaining[index] for index in left], exponent)
    return dict(zip(left, shares, strict=True))


def _free_units(
    max_units: int, lines: Sequence[Line], remaining: Sequence[Decimal], left: Sequence[int], exponent: int
) -> dict[int, Decimal]:
    def units(index: int) -> Decimal:
        quantity = lines[index].quantity
        # A weighed line (2.35 kg) is one unit; a line of 3 bottles is three.
        return quantity if quantity == quantity.to_integral_value() else Decimal(1)

    counted = [index for index in left if units(index) > 0]
    by_unit_price = sorted(counted, key=lambda index: (-(remaining[index] / units(index)), index))
    amounts: dict[int, Decimal] = {}
    wanted = Decimal(max_units)
    for index in by_unit_price:
        if wanted <= 0:
            break
        available = units(index)
        taken = min(wanted, available)
        # A whole line is exactly its amount; part of it is rounded to the currency.
        part = remaining[index] * taken / available
        amounts[index] = remaining[index] if taken == available else quantize_money(part, exponent)
        wanted -= taken
    return amounts


BENEFIT_FIELDS: Final = ("name", "kind", "discount", "items", "valid_days", "conditions", "max_units")


def parse_benefit(data: Mapping[str, object], *, currency_exponent: int = 2) -> Benefit:
    """Validate a benefit template in the JSON format of the spec. Raises BenefitInvalid naming the field."""
    try:
        return _benefit(data, currency_exponent)
    except BenefitInvalid:
        raise
    except FieldInvalid as error:
        raise BenefitInvalid(error.field, error.message) from None


def _benefit(data: Mapping[str, object], exponent: int) -> Benefit:
    body = object_field(data, "")
    no_unknown_fields(body, BENEFIT_FIELDS, "", "a benefit")
    name = text_field(body.get("name"), "name", "a non-empty name")
    kind = body.get("kind")
    if kind not in BENEFIT_KINDS:
        raise FieldInvalid("kind", f"must be one of {', '.join(BENEFIT_KINDS)}, not {kind!r}")
    items = None if body.get("items") is None else selector_field(body.get("items"), "items")
    valid_days = (
        None
        if body.get("valid_days") is None
        else positive_int_field(body.get("valid_days"), "valid_days", "a whole number of days, 1 or more")
    )
    conditions = object_field(body.get("conditions") or {}, "conditions")
    no_unknown_fields(conditions, ("min_spend",), "conditions", "benefit conditions")
    min_spend = (
        None
        if conditions.get("min_spend") is None
        else amount_field(
            conditions.get("min_spend"),
            "conditions.min_spend",
            exponent=exponent,
            positive=False,
        )
    )
    if kind == "free_item":
        if body.get("discount") is not None:
            raise FieldInvalid("discount", "only applies to discount benefits; a free_item gives units away")
        if items is None:
            raise FieldInvalid("items", "is required for a free_item benefit: which items can be free")
        raw_units = body.get("max_units")
        max_units = 1 if raw_units is None else positive_int_field(raw_units, "max_units", "a whole number")
        return Benefit(
            name,
            "free_item",
            items=items,
            max_units=max_units,
            min_spend=min_spend,
            valid_days=valid_days,
        )
    if body.get("max_units") is not None:
        raise FieldInvalid("max_units", "only applies to free_item benefits")
    discount = object_field(body.get("discount"), "discount") if body.get("discount") is not None else None
    if discount is None:
        raise FieldInvalid("discount", 'is required: {"percent": "10", "max": "20.00"} or {"amount": "5.00"}')
    no_unknown_fields(discount, ("percent", "max", "amount"), "discount", "a discount")
    has_percent, has_amount = discount.get("percent") is not None, discount.get("amount") is not None
    if has_percent == has_amount:
        raise FieldInvalid("discount", 'must have either "percent" (with an optional "max") or "amount"')
    if has_amount:
        if discount.get("max") is not None:
            raise FieldInvalid("discount.max", 'only applies with "percent"')
        amount = amount_field(discount["amount"], "discount.amount", exponent=exponent, positive=True)
        return Benefit(
            name,
            "discount",
            amount=amount,
            items=items,
            min_spend=min_spend,
            valid_days=valid_days,
        )
    percent = quantity_field(
        discount["percent"], "discount.percent", positive=True, expected='a percentage like "10", above 0'
    )
    if percent > _HUNDRED:
        raise FieldInvalid("discount.percent", "must be at most 100")
    maximum = (
        None
        if discount.get("max") is None
        else amount_field(discount["max"], "discount.max", exponent=exponent, positive=True)
    )
    return Benefit(
        name,
        "discount",
        percent=percent,
        maximum=maximum,
        items=items,
        min_spend=min_spend,
        valid_days=valid_days,
    )


def benefit_to_dict(benefit: Benefit) -> dict[str, object]:
    """The canonical JSON form of a benefit template; `parse_benefit(benefit_to_dict(b)) == b`."""
    data: dict[str, object] = {"name": benefit.name, "kind": benefit.kind}
    if benefit.kind == "discount":
        if benefit.percent is not None:
            discount: dict[str, str] = {"percent": plain(benefit.percent)}
            if benefit.maximum is not None:
                discount["max"] = str(benefit.maximum)
        else:
            discount = {"amount": str(benefit.amount)}
        data["discount"] = discount
    else:
        data["max_units"] = benefit.max_units
    if benefit.items is not None:
        data["items"] = selector_to_dict(benefit.items)
    data["valid_days"] = benefit.valid_days
    data["conditions"] = {} if benefit.min_spend is None else {"min_spend": str(benefit.min_spend)}
    return data
