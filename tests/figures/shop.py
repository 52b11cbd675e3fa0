"""A week of sales for the backtest and rule figure tests: two rules (one limited, both excluding items and means
of payment), a benefit and a code giving discounts, points payments, a cancel and a sale without a member."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import Base
from tests.conftest import Tenant

PERCENT_RULE: dict[str, Any] = {
    "name": "10% back",
    "trigger": "purchase",
    "status": "active",
    "actions": [
        {
            "type": "add_points",
            "mode": "percent",
            "percent": "10",
            "exclude_items": {"tags": ["Alcohol"]},
            "exclude_mops": ["points", "voucher"],
        }
    ],
}
TICKET_RULE: dict[str, Any] = {
    "name": "Tickets: 1 point per 5.00, once a day",
    "trigger": "purchase",
    "status": "active",
    "limits": {"per_member": 1, "period": "day"},
    "actions": [
        {
            "type": "add_points",
            "mode": "rate",
            "points": "1",
            "per": "5.00",
            "items": {"departments": [" Tickets"]},
            "exclude_mops": "Points",
        }
    ],
}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def basket(
    transaction_id: str, member_id: str | None, *, payments: list[dict[str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "TICKET", "department": "tickets", "quantity": 2, "amount": "30.00"},
            {"line_id": "2", "code": "POPCORN", "department": "snacks", "quantity": 1, "amount": "6.35"},
            {"line_id": "3", "code": "BEER", "department": "bar", "quantity": 1, "amount": "4.00", "tags": ["alcohol"]},
        ],
        "payments": payments,
        **extra,
    }


@dataclass
class Sales:
    started: datetime
    rules: dict[str, dict[str, Any]]
    members: list[str]
    answers: list[dict[str, Any]] = field(default_factory=list)  # confirmed and not cancelled
    cancelled: dict[str, Any] | None = None

    def earned_by(self, rule_id: str) -> Decimal:
        return sum(
            (
                Decimal(award["points"])
                for answer in self.answers
                for award in answer["earned"]
                if award["rule_id"] == rule_id
            ),
            Decimal(0),
        )

    def purchases_earning_by(self, rule_id: str) -> int:
        return sum(1 for answer in self.answers if any(award["rule_id"] == rule_id for award in answer["earned"]))


def record_sales(tenant: Tenant) -> Sales:
    client, admin, pos = tenant.client, tenant.admin, tenant.pos
    started = datetime.now(UTC) - timedelta(seconds=1)
    ok(client.patch("/v1/business", headers=admin, json={"means_of_payment": ["cash", "card", "voucher"]}))
    rules = {
        "percent": ok(client.post("/v1/rules", headers=admin, json=PERCENT_RULE), 201),
        "tickets": ok(client.post("/v1/rules", headers=admin, json=TICKET_RULE), 201),
    }
    tenth = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "10% off", "kind": "discount", "discount": {"percent": "10", "max": "20.00"}},
        ),
        201,
    )
    ok(client.post("/v1/codes", headers=admin, json={"code": "SUMMER10", "benefit_id": tenth["id"]}), 201)
    members = [
        ok(client.post("/v1/members", headers=admin, json={"phone": phone}), 201)["id"]
        for phone in ("+41795550801", "+41795550802")
    ]
    for member_id in members:
        ok(
            client.post(f"/v1/members/{member_id}/adjustments", headers=admin, json={"points": "50", "reason": "gift"}),
            201,
        )
    asset = ok(client.post(f"/v1/members/{members[0]}/benefits", headers=admin, json={"benefit_id": tenth["id"]}), 201)
    sales = Sales(started, rules, members)

    def confirm(body: dict[str, Any]) -> dict[str, Any]:
        answer = ok(client.post("/v1/purchases", headers=pos, json=body), 201)
        sales.answers.append(answer)
        return answer

    ada, bob = members
    # A benefit discount, part paid with points through the till and reported.
    ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "pay-S-1"},
            json={"member_id": ada, "transaction_id": "S-1", "amount": "7.00"},
        ),
        201,
    )
    confirm(
        basket(
            "S-1",
            ada,
            benefits=[asset["id"]],
            payments=[{"mop": "Card", "amount": "29.79"}, {"mop": "points", "amount": "7.00"}],
        )
    )
    # The same day again: the limited rule gives nothing; part paid with a voucher, spelt otherwise.
    confirm(basket("S-2", ada, payments=[{"mop": "cash", "amount": "20.35"}, {"mop": " VOUCHER", "amount": "20.00"}]))
    # A code's discount.
    confirm(basket("S-3", bob, codes=["summer10"], payments=[{"mop": "cash", "amount": "36.31"}]))
    # A points payment the till did not list.
    ok(
        client.post(
            "/v1/payments",
            headers=pos | {"Idempotency-Key": "pay-S-7"},
            json={"member_id": bob, "transaction_id": "S-7", "amount": "3.33"},
        ),
        201,
    )
    confirm(basket("S-7", bob, payments=[{"mop": "cash", "amount": "37.02"}]))
    # Everything in an excluded means of payment.
    confirm(basket("S-4", bob, payments=[{"mop": "voucher", "amount": "40.35"}]))
    # No member: recorded, earns nothing, not replayed.
    confirm(basket("S-5", None, payments=[{"mop": "cash", "amount": "40.35"}]))
    # Cancelled: not replayed, not counted.
    cancelled = ok(client.post("/v1/purchases", headers=pos, json=basket("S-6", bob, payments=[])), 201)
    ok(client.post(f"/v1/purchases/{cancelled['id']}/cancel", headers=pos))
    sales.cancelled = cancelled
    return sales


def row_counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
