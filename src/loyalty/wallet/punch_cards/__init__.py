"""Punch cards as stored, and a purchase's punches applied, taken back by returns and cancels, and verified.

The engine counts the punches (`rules.punches`); here they are written. A member's card row is created at the
first punch. Punches are added with one UPDATE of that row, which holds it until the transaction ends, so two
tills completing the same card at once see each other's punches: one fills the card and grants the reward, the
other starts the next card. Every change is a `punch_entry` linked to its purchase: the card's punches are the
sum of its entries, its filled cards the fills less the fills withdrawn (`verify` checks both).

A return or cancel takes back the punches of its lines from the open card; when the open card has fewer, the
latest reward still unused is withdrawn and its card's punches come back to take from. What cannot be taken
back (the reward was used) is reported as not recovered.
"""

from loyalty.wallet.punch_cards.cards import (
    PunchCardNotFound,
    active,
    active_for,
    create,
    get,
    listing,
    outline,
    replace,
    template,
)
from loyalty.wallet.punch_cards.punches import (
    Punched,
    answer,
    apply,
    member_cards,
    member_punches,
    preview,
    take_back,
    verify,
)

__all__ = [
    "PunchCardNotFound",
    "Punched",
    "active",
    "active_for",
    "answer",
    "apply",
    "create",
    "get",
    "listing",
    "member_cards",
    "member_punches",
    "outline",
    "preview",
    "replace",
    "take_back",
    "template",
    "verify",
]
