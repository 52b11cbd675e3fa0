"""What a ledger entry's reason says, in the reader's language: its stored message when it has one, else the
reasons the house itself writes, recognised; a reason a person typed (a correction) stays as they wrote it."""

from __future__ import annotations

import re
from typing import Final

from loyalty.db.models import LedgerTransaction
from loyalty.i18n import N_, Speech
from loyalty.rules.message import Message, from_data, msg

# Reasons written by the house before messages were stored, or still written as text, as messages.
_FIXED: Final[tuple[str, ...]] = (
    N_("purchase cancelled"),
    N_("points payment given back"),
    N_("a benefit bought in the point shop was deactivated unused"),
)
_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"return (?P<id>.+)"), N_("return {id}")),
    (re.compile(r"bought (?P<benefit>.+) in the point shop"), N_("bought {benefit} in the point shop")),
)


def message(transaction: LedgerTransaction) -> Message | None:
    """The reason as a message, if it was stored as one (entries written before it were not)."""
    stored = transaction.reason_message
    if not stored:
        return None
    try:
        return from_data(stored)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def without_rule(said: Message) -> Message:
    """An engine explanation "{rule}: {says}" without the rule's name (the history's title says it)."""
    if said.id == "{rule}: {says}":
        inner = dict(said.values).get("says")
        if isinstance(inner, Message):
            return inner
    return said


def detail(transaction: LedgerTransaction, said: Message | None, speech: Speech) -> str:
    if said is not None:
        return speech.say(said)
    reason = transaction.reason or ""
    if reason in _FIXED:
        return speech.gettext(reason)
    for pattern, id in _PATTERNS:
        found = pattern.fullmatch(reason)
        if found:
            return speech.say(msg(id, **found.groupdict()))
    return reason
