"""Lots in the database: the ledger calls these in the same transaction as every posting.

An earning becomes a lot dated by the business's policy at that moment; a spend, a take-back or an expiry becomes
allocations that link its ledger transaction to the lots it consumed, chosen by `lots.model`. Every change of a
lot's `remaining` is a guarded UPDATE (`remaining >= x`), so two writers can never consume the same hundredths;
the member row is locked first (the ledger's guarded balance UPDATE, or `lock_member`), which puts every change
of one member's points in one queue on PostgreSQL as SQLite's single writer does.
"""

from loyalty.wallet.lots.book.holdings import (
    Summary,
    as_model,
    balance_now,
    balance_read,
    debt,
    debt_of,
    for_take_back,
    held,
    held_back_of,
    lock_member,
    lock_spendable,
    spend_candidates,
    summaries,
    summary,
)
from loyalty.wallet.lots.book.moves import (
    add,
    add_many,
    consume,
    expire,
    owe,
    policy_dates,
    restore,
    settle_debt,
    write_off,
)

__all__ = [
    "Summary",
    "add",
    "add_many",
    "as_model",
    "balance_now",
    "balance_read",
    "consume",
    "debt",
    "debt_of",
    "expire",
    "for_take_back",
    "held",
    "held_back_of",
    "lock_member",
    "lock_spendable",
    "owe",
    "policy_dates",
    "restore",
    "settle_debt",
    "spend_candidates",
    "summaries",
    "summary",
    "write_off",
]
