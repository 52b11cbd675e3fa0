"""A shop that earns one point per 1.00, and the few calls the lots tests make."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Tenant
from tests.support.people import adjust, register

_serial = itertools.count(1)


def shop(tenant: Tenant, **settings: Any) -> None:
    """One point per 1.00 spent, and the business settings given."""
    rule = {
        "name": "1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    }
    made = tenant.client.post("/v1/rules", json=rule, headers=tenant.admin)
    assert made.status_code == 201, made.text
    if settings:
        changed = tenant.client.patch("/v1/business", json=settings, headers=tenant.admin)
        assert changed.status_code == 200, changed.text


def settings(tenant: Tenant, **values: Any) -> dict[str, Any]:
    changed = tenant.client.patch("/v1/business", json=values, headers=tenant.admin)
    assert changed.status_code == 200, changed.text
    return dict(changed.json())


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def buy(tenant: Tenant, member_id: str, amount: str, *, occurred_at: datetime | None = None) -> dict[str, Any]:
    """A purchase of one line of `amount`, paid cash; earns `amount` points."""
    body: dict[str, Any] = {
        "transaction_id": f"T-{next(_serial)}",
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "TICKET", "quantity": 2, "amount": amount}],
        "payments": [{"mop": "cash", "amount": amount}],
    }
    if occurred_at is not None:
        body["occurred_at"] = occurred_at.isoformat()
    answer = tenant.client.post("/v1/purchases", json=body, headers=tenant.pos)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def pay(tenant: Tenant, member_id: str, amount: str) -> Any:
    transaction_id = f"P-{next(_serial)}"
    return tenant.client.post(
        "/v1/payments",
        json={"member_id": member_id, "transaction_id": transaction_id, "amount": amount},
        headers=tenant.pos | {"Idempotency-Key": f"pay-{transaction_id}"},
    )


def member(tenant: Tenant, member_id: str) -> dict[str, Any]:
    answer = tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def lots(tenant: Tenant, member_id: str, *, include_used: bool = False) -> list[dict[str, Any]]:
    answer = tenant.client.get(
        f"/v1/members/{member_id}/points/lots",
        params={"include_used": str(include_used).lower()},
        headers=tenant.admin,
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def history(tenant: Tenant, member_id: str) -> list[dict[str, Any]]:
    answer = tenant.client.get(f"/v1/members/{member_id}/history", headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


__all__ = ["adjust", "register"]
