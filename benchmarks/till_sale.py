"""The sale the point-of-sale benchmarks confirm: a cinema's two active rules and three lines (two tickets, a cola,
a popcorn) paid by card. `pos.py` sends it over HTTP, `purchase_path.py` in process, `engine.py` to `evaluate()`."""

from __future__ import annotations

from typing import Any

RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "1 point per 1.00 on tickets",
        "trigger": "purchase",
        "status": "active",
        "actions": [
            {
                "type": "add_points",
                "mode": "rate",
                "points": "1",
                "per": "1.00",
                "items": {"departments": ["tickets"]},
                "exclude_mops": ["points"],
            }
        ],
    },
    {
        "name": "10 points per drink",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "repeat", "points": "10", "items": {"tags": ["drink"]}}],
    },
)
ITEMS: list[dict[str, Any]] = [
    {"line_id": "1", "code": "TICKET", "department": "tickets", "quantity": 2, "amount": "32.00"},
    {"line_id": "2", "code": "COLA", "department": "bar", "quantity": 1, "amount": "4.50", "tags": ["drink"]},
    {"line_id": "3", "code": "POPCORN", "department": "bar", "quantity": 1, "amount": "7.00"},
]
PAYMENTS: list[dict[str, Any]] = [{"mop": "card", "amount": "43.50"}]
