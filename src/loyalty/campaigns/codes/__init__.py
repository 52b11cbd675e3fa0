"""Promo codes: one shared code ("SUMMER10", many uses) or a batch of one-time codes.

A code either puts a benefit in play (in a sale, or in the wallet when used outside one) or, with
`effect="trigger"`, fires the `code_used` rules for the member. Codes are kept trimmed and in upper case, so
what a cashier types matches whatever the case. A use is counted with a guarded
`UPDATE promo_code SET uses = uses + 1 WHERE ... uses < max_uses` whose row count decides: two tills racing for
a one-time code get exactly one success (reliability promise I5).
"""

from loyalty.campaigns.codes.common import (
    ALIKE_REASON,
    GUESSES,
    CodeExists,
    CodeNotFound,
    CodeRefused,
    discreet,
    normalise,
)
from loyalty.campaigns.codes.making import (
    ALPHABET,
    EFFECTS,
    MAX_BATCH,
    MAX_LENGTH,
    MIN_LENGTH,
    SHARED_CODE,
    Page,
    batch,
    batch_csv,
    create,
    create_batch,
    get,
    listing,
)
from loyalty.campaigns.codes.using import Redeemed, find_usable, redeem, release, use

__all__ = [
    "ALIKE_REASON",
    "ALPHABET",
    "EFFECTS",
    "GUESSES",
    "MAX_BATCH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "SHARED_CODE",
    "CodeExists",
    "CodeNotFound",
    "CodeRefused",
    "Page",
    "Redeemed",
    "batch",
    "batch_csv",
    "create",
    "create_batch",
    "discreet",
    "find_usable",
    "get",
    "listing",
    "normalise",
    "redeem",
    "release",
    "use",
]
