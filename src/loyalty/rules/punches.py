"""Punch cards: "10th coffee free". Counted by the engine with the selectors and modes of Repeat and Simple Mode.

Repeat mode gives one punch per `every` units of the matching lines; simple mode gives `punches` per purchase
with at least one matching line. A line that a loyalty discount made free (nothing left to pay) does not punch.
With the member's punches on the open card, the outcome says how many cards the sale fills and what is left for
the next card: `before + added = filled × required + after`, so no punch is lost or doubled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from loyalty.rules.facts import Line, paid_quantity
from loyalty.rules.fields import (
    FieldInvalid,
    no_unknown_fields,
    object_field,
    plain,
    positive_int_field,
    quantity_field,
    selector_field,
    selector_to_dict,
    text_field,
)
from loyalty.rules.message import Message, Names, Number, msg, named
from loyalty.rules.selectors import ItemSelector
from loyalty.rules.written import Translations

__all__ = [
    "Punch",
    "PunchCard",
    "PunchCardInvalid",
    "count_punches",
    "parse_punch_card",
    "punch_card_to_dict",
]

Mode = Literal["repeat", "simple"]
MODES: Final[tuple[Mode, ...]] = ("repeat", "simple")
STATUSES: Final = ("active", "draft", "stopped")
FIELDS: Final = (
    "name", "punches_required", "items", "mode", "every", "punches", "reward_benefit_id", "valid_days", "status",
    "id",
)  # fmt: skip
MAX_REQUIRED = 1000
MAX_VALID_DAYS = 36_600


class PunchCardInvalid(FieldInvalid):
    """The punch card cannot be accepted; `field` names the offending field."""


@dataclass(frozen=True, slots=True)
class PunchCard:
    """A punch card template, validated (`parse_punch_card`)."""

    name: str
    punches_required: int
    items: ItemSelector
    reward_benefit_id: str
    mode: Mode = "repeat"
    every: Decimal = Decimal(1)
    punches: int = 1
    valid_days: int | None = None
    status: str = "active"
    id: str | None = None
    names: Translations = ()  # the name per language, given by the shell (not part of the definition)


@dataclass(frozen=True, slots=True)
class Punch:
    """What a sale does to one card: `added` punches (spread over `lines`), cards `filled`, punches `after`."""

    punch_card_id: str | None
    name: str
    added: int
    before: int
    after: int
    filled: int
    punches_required: int
    lines: tuple[tuple[str, int], ...]
    explanation: str
    # The explanation as data, for the shell to say in a language (`explanation` is it in English).
    message: Message | None = field(default=None, compare=False, repr=False)
    names: Translations = field(default=(), compare=False, repr=False)  # the card's name per language


def count_punches(card: PunchCard, lines: Sequence[Line], left: Sequence[Decimal], *, before: int = 0) -> Punch | None:
    """The punches a sale gives on `card`, or None when it gives none.

    `left[i]` is what is left to pay of `lines[i]` after loyalty discounts; `before` is the member's punches on
    the open card.
    """
    # Units made free by a loyalty discount do not punch: a reward coffee merged with a paid one is one punch.
    counted = [
        (line.line_id, paid)
        for line, amount in zip(lines, left, strict=True)
        if amount > 0 and (paid := paid_quantity(line, amount)) > 0 and card.items.matches(line)
    ]
    if not counted:
        return None
    quantity = sum((q for _, q in counted), Decimal(0))
    if card.mode == "simple":
        added = card.punches
        shares = _spread(added, [(line_id, Decimal(1)) for line_id, _ in counted])
    else:
        added = int(quantity // card.every)
        shares = _spread(added, counted)
    if added <= 0:
        return None
    total = max(before, 0) + added
    filled, after = divmod(total, card.punches_required)
    what = Names(tuple(sorted(card.items.codes | card.items.departments | card.items.tags)))
    word = Message("punch") if added == 1 else Message("punches")
    if card.mode == "simple":
        said = msg("this purchase → {added} {word}", added=Number(Decimal(added)), word=word)
    elif card.every == 1:
        said = msg(
            "{quantity} {what} → {added} {word}",
            quantity=Number(quantity),
            what=what,
            added=Number(Decimal(added)),
            word=word,
        )
    else:
        said = msg(
            "{quantity} {what}, one punch per {every} → {added} {word}",
            quantity=Number(quantity),
            what=what,
            every=Number(card.every),
            added=Number(Decimal(added)),
            word=word,
        )
    required = Number(Decimal(card.punches_required))
    if filled:
        after_now = Number(Decimal(after))
        if filled == 1:
            state = msg(
                "a card full, reward earned; {after} of {required} on the next", after=after_now, required=required
            )
        else:
            state = msg(
                "{count} cards full, reward earned; {after} of {required} on the next",
                count=Number(Decimal(filled)),
                after=after_now,
                required=required,
            )
    else:
        state = msg("{after} of {required}", after=Number(Decimal(after)), required=required)
    message = msg(
        "{rule}: {says}", rule=named(card.name, card.names), says=msg("{said}: {state}", said=said, state=state)
    )
    return Punch(
        card.id,
        card.name,
        added,
        before,
        after,
        filled,
        card.punches_required,
        shares,
        message.english(),
        message,
        card.names,
    )


def _spread(total: int, weights: Sequence[tuple[str, Decimal]]) -> tuple[tuple[str, int], ...]:
    """Whole punches over lines by weight (largest remainder, ties in line order); zeros left out."""
    weight = sum((w for _, w in weights), Decimal(0))
    if total <= 0 or weight <= 0:
        return ()
    exact = [(line_id, Decimal(total) * w / weight) for line_id, w in weights]
    whole = [int(share) for _, share in exact]
    left = total - sum(whole)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - whole[i]), i))
    for i in order[:left]:
        whole[i] += 1
    return tuple((line_id, count) for (line_id, _), count in zip(exact, whole, strict=True) if count)


def parse_punch_card(data: Mapping[str, object], *, id: str | None = None) -> PunchCard:
    """Validate a punch card in the JSON form of the spec. Raises PunchCardInvalid naming the field."""
    try:
        return _card(data, id)
    except PunchCardInvalid:
        raise
    except FieldInvalid as error:
        raise PunchCardInvalid(error.field, error.message) from None


def _card(data: Mapping[str, object], id: str | None) -> PunchCard:
    body = object_field(data, "")
    no_unknown_fields(body, FIELDS, "", "a punch card")
    name = text_field(body.get("name"), "name", "a non-empty name")
    required = positive_int_field(body.get("punches_required"), "punches_required", "a whole number, 1 or more")
    if required > MAX_REQUIRED:
        raise FieldInvalid("punches_required", f"must be at most {MAX_REQUIRED}")
    if body.get("items") is None:
        raise FieldInvalid("items", "is required: which items punch the card")
    items = selector_field(body.get("items"), "items")
    mode = body.get("mode") or "repeat"
    if mode not in MODES:
        raise FieldInvalid("mode", f"must be one of {', '.join(MODES)}, not {mode!r}")
    every, punches = Decimal(1), 1
    if mode == "repeat":
        if not _unset_or_one(body.get("punches")):
            raise FieldInvalid("punches", "only applies to simple mode; repeat mode punches once per `every` units")
        if body.get("every") is not None:
            every = quantity_field(body.get("every"), "every", positive=True, expected='a positive quantity like "1"')
    else:
        if not _unset_or_one(body.get("every")):
            raise FieldInvalid("every", "only applies to repeat mode")
        if body.get("punches") is not None:
            punches = positive_int_field(body.get("punches"), "punches", "a whole number of punches, 1 or more")
            if punches > MAX_REQUIRED:
                raise FieldInvalid("punches", f"must be at most {MAX_REQUIRED}")
    reward = text_field(body.get("reward_benefit_id"), "reward_benefit_id", "the id of the reward benefit")
    valid_days = None
    if body.get("valid_days") is not None:
        valid_days = positive_int_field(body.get("valid_days"), "valid_days", "a whole number of days, 1 or more")
        if valid_days > MAX_VALID_DAYS:
            raise FieldInvalid("valid_days", f"must be at most {MAX_VALID_DAYS}")
    status = body.get("status") or "active"
    if status not in STATUSES:
        raise FieldInvalid("status", f"must be one of {', '.join(STATUSES)}, not {status!r}")
    return PunchCard(
        name=name,
        punches_required=required,
        items=items,
        reward_benefit_id=reward,
        mode=mode,
        every=every,
        punches=punches,
        valid_days=valid_days,
        status=str(status),
        id=id,
    )


def _unset_or_one(value: object) -> bool:
    """A field of the other mode is accepted only absent or at its neutral 1 (as the canonical form writes it)."""
    if value is None:
        return True
    try:
        return not isinstance(value, bool) and Decimal(str(value)) == 1
    except ArithmeticError:
        return False


def punch_card_to_dict(card: PunchCard) -> dict[str, object]:
    """The canonical JSON form; `parse_punch_card(punch_card_to_dict(c), id=c.id) == c`."""
    return {
        "name": card.name,
        "punches_required": card.punches_required,
        "items": selector_to_dict(card.items),
        "mode": card.mode,
        "every": plain(card.every),
        "punches": card.punches,
        "reward_benefit_id": card.reward_benefit_id,
        "valid_days": card.valid_days,
        "status": card.status,
    }
