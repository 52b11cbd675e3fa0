"""Stored credit over HTTP: top-ups with a bonus, payments from credit, cancels that give it back, verify."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, Member
from loyalty.wallet import credit, ledger
from tests.conftest import Tenant
from tests.support.people import register


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def top_up(tenant: Tenant, member_id: str, amount: Any, key: str | None = None, **extra: Any) -> Any:
    headers = tenant.pos | {"Idempotency-Key": key or uuid.uuid4().hex}
    return tenant.client.post(f"/v1/members/{member_id}/credit", headers=headers, json={"amount": amount} | extra)


def pay(tenant: Tenant, member_id: str, transaction_id: str, amount: str, key: str | None = None) -> Any:
    headers = tenant.pos | {"Idempotency-Key": key or uuid.uuid4().hex}
    body = {"member_id": member_id, "transaction_id": transaction_id, "amount": amount, "wallet": "credit"}
    return tenant.client.post("/v1/payments", headers=headers, json=body)


def bonus_table(tenant: Tenant, table: list[dict[str, Any]]) -> Any:
    return tenant.client.patch("/v1/business", headers=tenant.admin, json={"credit_top_up_bonus": table})


def sale(transaction_id: str, member_id: str, amount: str = "10.00", **extra: Any) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "TICKET", "amount": amount}],
    } | extra


def credit_of(tenant: Tenant, member_id: str) -> str:
    return str(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.pos))["credit_balance"])


def test_a_top_up_of_twenty_with_the_bonus_table_loads_twenty_five(tenant: Tenant):
    table = [{"from": "20.00", "bonus": "5.00"}, {"from": "50", "bonus": 15}]
    assert ok(bonus_table(tenant, table))["credit_top_up_bonus"] == [
        {"from": "20.00", "bonus": "5.00"},
        {"from": "50.00", "bonus": "15.00"},
    ]
    ada = register(tenant)
    loaded = ok(top_up(tenant, ada["id"], "20.00"), 201)
    assert (loaded["amount"], loaded["bonus"], loaded["credited"], loaded["credit_balance"]) == (
        "20.00",
        "5.00",
        "25.00",
        "25.00",
    )
    assert ok(top_up(tenant, ada["id"], 19.99), 201)["bonus"] == "0.00"
    assert ok(top_up(tenant, ada["id"], "75.00"), 201)["bonus"] == "15.00"
    assert credit_of(tenant, ada["id"]) == "134.99"
    history = ok(tenant.client.get(f"/v1/members/{ada['id']}/credit", headers=tenant.pos))
    kinds = sorted(item["kind"] for item in history["items"])
    assert kinds == ["credit_bonus", "credit_bonus", "credit_load", "credit_load", "credit_load"]
    assert sum(Decimal(item["amount"]) for item in history["items"]) == Decimal(history["credit_balance"])


def test_a_replayed_top_up_loads_once_and_a_changed_one_is_refused(tenant: Tenant):
    ada = register(tenant)
    first = top_up(tenant, ada["id"], "20.00", key="K-1")
    again = top_up(tenant, ada["id"], "20.00", key="K-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert top_up(tenant, ada["id"], "30.00", key="K-1").status_code == 409
    assert credit_of(tenant, ada["id"]) == "20.00"


@pytest.mark.parametrize(
    ("amount", "field"),
    [("0", "amount"), ("-5.00", "amount"), ("1.005", "amount"), ("abc", "amount"), (None, "amount")],
)
def test_a_bad_top_up_is_a_422_naming_the_amount(tenant: Tenant, amount: Any, field: str):
    ada = register(tenant)
    answer = top_up(tenant, ada["id"], amount)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_a_top_up_needs_an_idempotency_key(tenant: Tenant):
    ada = register(tenant)
    answer = tenant.client.post(f"/v1/members/{ada['id']}/credit", headers=tenant.pos, json={"amount": "5.00"})
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ([{"from": "20.00", "bonus": "-1"}], "credit_top_up_bonus.0.bonus"),
        ([{"from": "20.001", "bonus": "1"}], "credit_top_up_bonus.0.from"),
        ([{"from": "20.00"}], "credit_top_up_bonus.0"),
        ([{"from": "20", "bonus": "1"}, {"from": "20.00", "bonus": "2"}], "credit_top_up_bonus"),
    ],
)
def test_a_bad_bonus_table_is_a_422_naming_the_field(tenant: Tenant, table: Any, field: str):
    answer = bonus_table(tenant, table)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_another_business_cannot_top_up_or_read_a_member(tenant: Tenant, other_tenant: Tenant):
    ada = register(tenant)
    assert top_up(other_tenant, ada["id"], "5.00").status_code == 404
    assert other_tenant.client.get(f"/v1/members/{ada['id']}/credit", headers=other_tenant.pos).status_code == 404


def test_paying_with_credit_takes_at_most_the_balance_and_its_cancel_gives_it_back(tenant: Tenant):
    ada = register(tenant)
    ok(top_up(tenant, ada["id"], "8.00"), 201)
    paid = ok(pay(tenant, ada["id"], "T-1", "10.00", key="P-1"), 201)
    assert (paid["wallet"], paid["amount"], paid["credit_balance"]) == ("credit", "8.00", "0.00")
    assert ok(pay(tenant, ada["id"], "T-1", "10.00", key="P-1"), 200) == paid  # a replay pays once
    refused = pay(tenant, ada["id"], "T-1", "1.00")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_credit"
    cancelled = ok(tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos))
    assert (cancelled["status"], cancelled["credit_balance"]) == ("cancelled", "8.00")
    again = ok(tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos))
    assert again["credit_balance"] == "8.00"  # twice is a no-op


def test_a_credit_payment_counts_as_mop_credit_and_cancelling_the_purchase_gives_it_back(tenant: Tenant):
    rule = {
        "name": "1 point per 1.00, not on credit",
        "trigger": "purchase",
        "status": "active",
        "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "exclude_mops": ["credit"]}],
    }
    ok(tenant.client.post("/v1/rules", headers=tenant.admin, json=rule), 201)
    ada = register(tenant)
    ok(top_up(tenant, ada["id"], "6.00"), 201)
    ok(pay(tenant, ada["id"], "T-1", "6.00"), 201)
    body = sale("T-1", ada["id"], payments=[{"mop": "cash", "amount": "4.00"}])
    done = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=body), 201)
    assert (done["credit_paid"], done["credit_balance"], done["points_earned"]) == ("6.00", "0.00", "4.00")
    payment_id = ok(tenant.client.get(f"/v1/members/{ada['id']}/credit", headers=tenant.pos))["items"][0]["id"]
    assert payment_id
    cancelled = ok(tenant.client.post(f"/v1/purchases/{done['id']}/cancel", headers=tenant.pos))
    assert (cancelled["credit_balance"], cancelled["points_balance"]) == ("6.00", "0.00")
    twice = ok(tenant.client.post(f"/v1/purchases/{done['id']}/cancel", headers=tenant.pos))
    assert twice["credit_balance"] == "6.00"


def test_a_credit_payment_inside_a_purchase_is_cancelled_with_the_purchase_only(tenant: Tenant):
    ada = register(tenant)
    ok(top_up(tenant, ada["id"], "5.00"), 201)
    paid = ok(pay(tenant, ada["id"], "T-1", "5.00"), 201)
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"])), 201)
    refused = tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_in_purchase"
    late = pay(tenant, ada["id"], "T-1", "1.00")
    assert late.status_code in (409, 422)


def test_credit_of_another_member_cannot_pay_this_members_purchase(tenant: Tenant):
    ada = register(tenant)
    bob = register(tenant, "+41 79 765 43 21")
    ok(top_up(tenant, bob["id"], "5.00"), 201)
    ok(pay(tenant, bob["id"], "T-1", "5.00"), 201)
    answer = tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"]))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "payment_member_mismatch"


def test_credit_has_its_own_ledger_accounts_and_verify_recomputes_it(tenant: Tenant, db: Database):
    ok(bonus_table(tenant, [{"from": "10.00", "bonus": "1.00"}]), 200)
    ada = register(tenant)
    ok(top_up(tenant, ada["id"], "10.00"), 201)
    ok(pay(tenant, ada["id"], "T-1", "3.00"), 201)
    member_id = uuid.UUID(ada["id"])
    with db.read() as session:
        accounts = {
            account: int(total)
            for account, total in session.execute(
                select(LedgerEntry.account, LedgerEntry.amount).where(
                    LedgerEntry.business_id == uuid.UUID(tenant.business_id)
                )
            )
        }
        assert set(accounts) <= {"credit", "credit_sold", "credit_bonus", "credit_spent"}
        assert ledger.balance(session, member_id) == 0  # points untouched
        assert credit.verify(session) == []
    # A cached credit balance out of step with its entries is found.
    db.write(lambda session: session.get(Member, member_id).__setattr__("credit_balance", 1))
    with db.read() as session:
        problems = credit.verify(session)
    db.write(lambda session: session.get(Member, member_id).__setattr__("credit_balance", 800))
    assert any(str(member_id) in problem for problem in problems)
    with db.read() as session:
        assert credit.verify(session) == []


def test_credit_paid_beyond_the_sales_total_is_refused_and_nothing_is_recorded(tenant: Tenant):
    ada = register(tenant)
    ok(top_up(tenant, ada["id"], "20.00"), 201)
    paid = ok(pay(tenant, ada["id"], "T-1", "15.00"), 201)
    answer = tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"], amount="10.00"))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "payments_exceed_total"
    ok(tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos))
    assert credit_of(tenant, ada["id"]) == "20.00"
    ok(pay(tenant, ada["id"], "T-1", "10.00"), 201)
    done = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale("T-1", ada["id"], amount="10.00")), 201)
    assert (done["credit_paid"], done["credit_balance"]) == ("10.00", "10.00")
