"""The Como calls' way to the budget payment and the balances as Como shows them: `loyalty.sale.budget`."""

from __future__ import annotations

from loyalty.sale.budget import balances, cancel, credit_balance, pay, payment_type, points_balance, standing

__all__ = ["balances", "cancel", "credit_balance", "pay", "payment_type", "points_balance", "standing"]
