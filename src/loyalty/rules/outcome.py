"""What an evaluation decided, as data: points per rule and per line, effects, and why, in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from loyalty.rules.discounts import Discounts
from loyalty.rules.message import Message
from loyalty.rules.punches import Punch
from loyalty.rules.written import Translations

__all__ = ["Award", "Effect", "EffectKind", "FiredRule", "LineShare", "Outcome", "Skipped"]

EffectKind = Literal["grant_benefit", "tag_member", "untag_member"]


@dataclass(frozen=True, slots=True)
class LineShare:
    """The part of an award that one line earned; a return takes back these points, in proportion."""

    line_id: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class Award:
    """Points earned by one `add_points` action of one rule revision.

    `lines` spreads `points` over the lines that earned them (by amount, by quantity in repeat mode, over
    every line for a fixed award on a purchase) and adds up to `points` exactly; it is empty without a
    purchase.
    """

    rule_id: str | None
    revision: int | None
    rule_name: str
    action_index: int
    points: Decimal
    lines: tuple[LineShare, ...]
    explanation: str
    # The explanation as data, for the shell to say in a language (`explanation` is it in English).
    message: Message | None = field(default=None, compare=False, repr=False)
    rule_names: Translations = field(default=(), compare=False, repr=False)  # the rule's name per language


@dataclass(frozen=True, slots=True)
class Effect:
    """A wallet or tag change for the shell to apply: `value` is the benefit id or the tag."""

    kind: EffectKind
    value: str
    rule_id: str | None
    revision: int | None
    action_index: int
    explanation: str
    message: Message | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule revision that fired: the shell records it in the member's history so `limits` can count it."""

    rule_id: str | None
    revision: int | None
    name: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A rule that did not fire and why (only when `evaluate(..., explain=True)`)."""

    rule_id: str | None
    revision: int | None
    name: str
    reason: Message  # `.english()` is the sentence the Campaign Center has always shown


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of `evaluate`. `points` is the sum of the awards, each already rounded down to the
    business's points precision. Awards, effects and fired rules are in evaluation order (rule id, action)."""

    points: Decimal
    awards: tuple[Award, ...] = ()
    effects: tuple[Effect, ...] = ()
    fired: tuple[FiredRule, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    # The loyalty discounts of a purchase, in order: the deals that applied, then the requested benefits and
    # codes (`evaluate(..., requests=...)`); the points above are earned on what they leave.
    discounts: Discounts = field(default_factory=Discounts)
    # What the purchase does to each active punch card it punches (`evaluate(..., punch_cards=...)`).
    punches: tuple[Punch, ...] = ()

    @property
    def benefits_to_grant(self) -> tuple[str, ...]:
        """Benefit ids to put in the wallet, one per `grant_benefit` effect (two rules give two)."""
        return tuple(effect.value for effect in self.effects if effect.kind == "grant_benefit")

    @property
    def tags_to_add(self) -> frozenset[str]:
        """Tags to add; when rules both add and remove a tag, the later one (in evaluation order) wins."""
        return frozenset(tag for tag, add in self._final_tags().items() if add)

    @property
    def tags_to_remove(self) -> frozenset[str]:
        return frozenset(tag for tag, add in self._final_tags().items() if not add)

    def _final_tags(self) -> dict[str, bool]:
        final: dict[str, bool] = {}
        for effect in self.effects:
            if effect.kind != "grant_benefit":
                final[effect.value] = effect.kind == "tag_member"
        return final
