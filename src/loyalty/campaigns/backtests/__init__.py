"""Backtests: the business's recorded purchases of a period replayed through chosen rules, nothing written.

Each completed purchase of an identified member is rebuilt as the engine saw it when it was confirmed: its
lines in their order, the loyalty discounts recorded on them, the payments earning saw (points payments
included), its branch and its time; the engine's `evaluate()` then gives the points, exactly as confirming
that purchase under those rules would. Per-member limits count what the replay itself fired, on top of the
firings of stored rules before the period. Members are taken with their tags as they are now and with the
lifetime points they had at each purchase. Purchases are read in batches in the order they were recorded, with
their lines in one query per batch.

Beside the replay, what actually happened over the same purchases: their recorded points, and per rule the
ledger's earnings linked to them.
"""

from loyalty.campaigns.backtests.replay import Result, Tally, as_json, purchases_in, replay, run

__all__ = ["Result", "Tally", "as_json", "purchases_in", "replay", "run"]
