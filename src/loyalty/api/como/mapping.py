"""Como's shapes onto the services `/v1` uses, and their results back into Como's shapes. No rule of its own:
every figure comes from `pricing.price`, `confirmation.confirm`, the wallet and the payments as they are."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from loyalty import rules as engine
from loyalty.api.como import envelope
from loyalty.api.como.shapes import Line, Purchase, PurchaseDeal, RedeemAsset
from loyalty.errors import InvalidInput
from loyalty.i18n.names import name_in
from loyalty.money import currency_exponent, from_minor, to_minor
from loyalty.sale import payments, purchases

# Rows (a business, a member) reach this package through the services; it never imports the models.
Business = Any
Member = Any

# How a Como till names the budget payments it reports in `meansOfPayment`; rules exclude them by loyalty's names.
BUDGET_MOPS = {"memberPoints": payments.POINTS_MOP, "memberCredit": "credit"}


# --- the sale ---------------------------------------------------------------------------------------------


def transaction_id(purchase: Purchase | None) -> str:
    if purchase is None:
        raise InvalidInput("purchase", "is required")
    text = (purchase.transactionId or "").strip()
    if not text:
        raise InvalidInput("purchase.transactionId", "is required")
    return text


def sale(
    purchase: Purchase | None,
    *,
    business: Business,
    member_id: uuid.UUID | None,
    assets: list[RedeemAsset] | None = None,
    transaction_required: bool = True,
    dated: bool = False,
    deals: list[PurchaseDeal] | None = None,
) -> purchases.Sale:
    """The `/v1` sale this Como purchase describes: line totals from `netAmount`, budget payments by loyalty's names;
    `dated`: a closed sale, recorded as the till made it: `openTime` is when it happened (the services judge its bounds
    as `/v1`'s `occurred_at`) and the `appliedAmount`s of `assets` and `deals` are the discounts it charged."""
    if purchase is None:
        raise InvalidInput("purchase", "is required")
    txn = transaction_id(purchase) if transaction_required else (purchase.transactionId or "").strip()
    exponent = currency_exponent(business.currency)
    lines = tuple(_line(index, item, exponent) for index, item in enumerate(purchase.items or []))
    paid = tuple(
        engine.Payment(mop=BUDGET_MOPS.get(mop.type, mop.type), amount=from_minor(abs(mop.amount), exponent))
        for mop in purchase.meansOfPayment or []
    )
    keys, typed = _asked(assets or [])
    return purchases.Sale(
        transaction_id=txn,
        member_id=member_id,
        lines=lines,
        payments=paid,
        benefits=keys,
        codes=typed,
        occurred_at=open_time(purchase.openTime) if dated else None,
        charged=charged(assets or [], deals, exponent) if dated else None,
    )


def charged(assets: list[RedeemAsset], deals: list[PurchaseDeal] | None, exponent: int) -> purchases.Charged:
    """The discounts the till charged: each asset, code and deal at its `appliedAmount` (either sign; none sent:
    loyalty's own). A till that lists its deals gave only those."""
    listed: list[tuple[str, str, Decimal | None]] = []
    for asset in assets:
        key, code = (asset.key or "").strip(), (asset.code or "").strip()
        listed.append(("benefit" if key else "code", key or code, _applied(asset.appliedAmount, exponent)))
    for index, deal in enumerate(deals or []):
        key = (deal.key or "").strip()
        if not key:
            raise InvalidInput(f"deals.{index}.key", "is required")
        listed.append(("deal", key, _applied(deal.appliedAmount, exponent)))
    return purchases.Charged(tuple(listed), deals_listed=bool(deals))


def _applied(amount: int | None, exponent: int) -> Decimal | None:
    return None if amount is None else from_minor(abs(amount), exponent)


def open_time(text: str | None) -> datetime | None:
    """`openTime` as the clients send it (`2026-05-02T12:30:00Z`, or with an offset); none sent: now."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InvalidInput("purchase.openTime", "must be a time like 2026-05-02T12:30:00Z") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # Como's times are UTC
    return moment


def items_total(purchase: Purchase) -> int | None:
    """The sum of the ticket's lines in minor units (`netAmount`, else `grossAmount`), or None without lines."""
    if not purchase.items:
        return None
    return sum(
        max(item.netAmount if item.netAmount is not None else item.grossAmount or 0, 0) for item in purchase.items
    )


def _line(index: int, item: Line, exponent: int) -> engine.Line:
    where = f"purchase.items.{index}"
    amount = item.netAmount if item.netAmount is not None else item.grossAmount
    if amount is None:
        raise InvalidInput(f"{where}.netAmount", "is required")
    if item.quantity <= 0:
        raise InvalidInput(f"{where}.quantity", "must be more than zero in a sale (a return names relatedTransaction)")
    if amount < 0:
        raise InvalidInput(f"{where}.netAmount", "must not be negative in a sale (a return names relatedTransaction)")
    return engine.Line(
        line_id=(item.lineId or str(index + 1)).strip() or str(index + 1),
        code=item.code or "",
        name=item.name or "",
        department=item.departmentCode or None,
        quantity=Decimal(item.quantity),
        amount=from_minor(amount, exponent),
        tags=tuple(item.tags or ()),
    )


def _asked(assets: list[RedeemAsset]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keys: list[str] = []
    typed: list[str] = []
    for index, asset in enumerate(assets):
        if asset.key and asset.key.strip():
            keys.append(asset.key.strip())
        elif asset.code and asset.code.strip():
            typed.append(asset.code.strip())
        else:
            raise InvalidInput(f"redeemAssets.{index}", "send a key or a code")
    return tuple(keys), tuple(typed)


# --- answers ----------------------------------------------------------------------------------------------


def minor(business: Business, amount: Decimal) -> int:
    return to_minor(amount, currency_exponent(business.currency))


def benefits_answer(
    *, business: Business, priced: purchases.Priced, asked: list[RedeemAsset], names: dict[str, str]
) -> dict[str, Any]:
    """getBenefits: per asked asset or code, its benefits with the discount of every line, as the quote has them
    (`names`: the member's wallet entries by asset id)."""
    lines = {line.line_id: line for line in priced.sale.lines}
    applied = {(discount.source, discount.id): discount for discount in priced.discounts.applied}
    refused: dict[tuple[Literal["benefit", "code"], str], str] = {}
    for item in priced.rejected:
        if "id" in item:
            refused.setdefault(("benefit", item["id"]), item["reason"])
        elif "code" in item:
            refused.setdefault(("code", item["code"]), item["reason"])
    answers: list[dict[str, Any]] = []
    seen: set[tuple[Literal["benefit", "code"], str]] = set()
    for asset in asked:
        key = (asset.key or "").strip()
        source: Literal["benefit", "code"] = "benefit" if key else "code"
        ident = key or (asset.code or "").strip()
        entry: dict[str, Any] = {"key": key} if key else {"code": ident}
        # Asked twice, it applies once: the first entry carries the discount, a later one says why not.
        repeated = (source, ident) in seen
        discount = None if repeated else applied.get((source, ident))
        reason = "is already in this sale" if repeated else None if discount else refused.get((source, ident))
        seen.add((source, ident))
        entry["name"] = names.get(ident) or (discount.name if discount else ident)
        entry["redeemable"] = reason is None
        entry["benefits"] = [_discount(business, discount, lines)] if discount else []
        if reason is not None:
            entry["nonRedeemableCause"] = {"code": envelope.NOT_REDEEMABLE, "message": reason}
        answers.append(entry)
    total = sum((discount.amount for discount in priced.discounts.applied), Decimal(0))
    return {
        "deals": [
            {
                "key": deal.id,
                "name": name_in(deal.name, deal.names, business.language),  # Como: the business's language
                "benefits": [_discount(business, deal, lines)],
            }
            for deal in priced.discounts.applied
            if deal.source == "deal"
        ],
        "redeemAssets": answers,
        "totalDiscountsSum": -minor(business, total),
    }


def _discount(business: Business, discount: engine.AppliedDiscount, lines: dict[str, engine.Line]) -> dict[str, Any]:
    details = []
    for share in discount.lines:
        line = lines[share.line_id]
        cents = minor(business, share.amount)
        quantity = int(line.quantity) if line.quantity == line.quantity.to_integral_value() else 1
        details.append(
            {
                "item": {
                    "code": line.code,
                    "action": "sale",
                    "quantity": quantity,
                    "netAmount": minor(business, line.amount),
                    "lineId": line.line_id,
                },
                "discount": -cents,
                "discountedQuantity": quantity,
                "discountAllocation": allocation(cents, quantity),
            }
        )
    return {"type": "discount", "sum": -minor(business, discount.amount), "extendedData": details}


def allocation(cents: int, quantity: int) -> list[dict[str, int]]:
    """A line's discount as whole cents per unit: `quantity` units whose unit discounts add up to it exactly."""
    if quantity <= 0:
        return [{"quantity": 1, "unitDiscount": -cents}]
    base, extra = divmod(cents, quantity)
    parts = []
    if quantity - extra:
        parts.append({"quantity": quantity - extra, "unitDiscount": -base})
    if extra:
        parts.append({"quantity": extra, "unitDiscount": -(base + 1)})
    return parts


def member_notes(answer: dict[str, Any]) -> list[dict[str, str]]:
    """What the cashier reads after a purchase: the points and why, and the balance."""
    notes = [
        {"content": f"+{award['points']} points: {award['explanation']}", "type": "text"} for award in answer["earned"]
    ]
    if answer.get("points_balance") is not None:
        notes.append({"content": f"Points balance: {answer['points_balance']}", "type": "text"})
    return notes


def not_redeemed(answer: dict[str, Any], asked: list[RedeemAsset]) -> dict[str, Any]:
    """A closed sale stands when an asset or code it lists can no longer apply: each asked one says whether it was
    redeemed, as getBenefits says it (`redeemAssets`, with `nonRedeemableCause`), and the cashier reads why not."""
    declined = answer.get("not_redeemed") or []
    if not declined:
        return {}
    why = {("benefit", item["id"]) if "id" in item else ("code", item["code"]): item["reason"] for item in declined}
    entries: list[dict[str, Any]] = []
    notes: list[dict[str, str]] = []
    for asset in asked:
        key = (asset.key or "").strip()
        ident = key or (asset.code or "").strip()
        entry: dict[str, Any] = {"key": key} if key else {"code": ident}
        reason = why.get(("benefit" if key else "code", ident))
        entry["redeemable"] = reason is None
        if reason is not None:
            entry["nonRedeemableCause"] = {"code": envelope.NOT_REDEEMABLE, "message": reason}
            notes.append({"content": f"Not redeemed: {ident}: {reason}", "type": "text"})
        entries.append(entry)
    return {"redeemAssets": entries, "memberNotes": [*member_notes(answer), *notes]}
