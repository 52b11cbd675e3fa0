"""The points ledger: append-only double entry in integer hundredths of a point.

Every change is a `LedgerTransaction` with two entries that sum to zero: the member's account and a
business account ("issued" for earning, "redeemed" for paying with points, "adjusted" for corrections).
The member's cached balance moves in the same transaction, behind a guard in the UPDATE itself, so two
tills spending the same points cannot both succeed. There is deliberately no cached balance on the
business accounts: one row updated by every purchase would serialise all writers.

Every posting also moves lots (`loyalty.lots`): points coming in become a lot dated by the business's policy (or
go back to the very lots a cancelled payment took them from); points going out are taken from lots, spending
only spendable ones by expiry, so whatever spends points through `post` spends them by lot.
"""

from loyalty.wallet.ledger.checks import balance, verify
from loyalty.wallet.ledger.lot_postings import expire, take_back
from loyalty.wallet.ledger.posting import (
    COUNTER_ACCOUNT,
    LIFETIME_KINDS,
    MAX_BALANCE,
    TAKE_KINDS,
    Cause,
    InsufficientPoints,
    PointsCeiling,
    post,
    post_many,
)

__all__ = [
    "COUNTER_ACCOUNT",
    "LIFETIME_KINDS",
    "MAX_BALANCE",
    "TAKE_KINDS",
    "Cause",
    "InsufficientPoints",
    "PointsCeiling",
    "balance",
    "expire",
    "post",
    "post_many",
    "take_back",
    "verify",
]
