"""Points expiry and pending points through the API, with time moved by purchases' own `occurred_at` and by
`loyalty expire --at`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from loyalty.db.engine import Database
from loyalty.wallet import ledger
from loyalty.wallet.lots import expiry
from tests.conftest import Tenant
from tests.lots.helpers import adjust, buy, days_ago, history, lots, member, pay, register, settings, shop


def test_balances_read_now_leave_out_points_expired_before_any_expiry_run(tenant: Tenant) -> None:
    shop(tenant, points_expire_after_days=10)
    ada = register(tenant)
    buy(tenant, ada["id"], "12.00", occurred_at=days_ago(12))  # its points expired yesterday or today
    buy(tenant, ada["id"], "5.00")
    shown = member(tenant, ada["id"])
    assert shown["points_balance"] == "5.00"
    assert shown["next_expiry"]["points"] == "5.00"
    statuses = sorted(lot["status"] for lot in lots(tenant, ada["id"]))
    assert statuses == ["available", "expired"]
    paid = pay(tenant, ada["id"], "6.00")
    assert paid.status_code == 201 and paid.json()["amount"] == "5.00"  # only the live points pay


def test_spending_takes_the_points_that_expire_first(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    adjust(tenant, ada["id"], "10", "never expires: earned before the policy")
    settings(tenant, points_expire_after_days=30)
    buy(tenant, ada["id"], "4.00", occurred_at=days_ago(20))  # expires in about 10 days
    buy(tenant, ada["id"], "6.00", occurred_at=days_ago(1))  # expires in about 29 days
    paid = pay(tenant, ada["id"], "7.00")
    assert paid.status_code == 201, paid.text
    held = {lot["points"]: lot for lot in lots(tenant, ada["id"], include_used=True)}
    assert held["4.00"]["remaining"] == "0.00"
    assert held["6.00"]["remaining"] == "3.00"
    assert held["10.00"]["remaining"] == "10.00" and held["10.00"]["expires_at"] is None


def test_a_policy_change_applies_only_to_points_earned_after_it(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    buy(tenant, ada["id"], "3.00")
    settings(tenant, points_expire_after_days=90, points_pending_days=7)
    buy(tenant, ada["id"], "4.00")
    settings(tenant, points_expire_after_days=None, points_pending_days=0)
    by_points = {lot["points"]: lot for lot in lots(tenant, ada["id"])}
    assert by_points["3.00"]["expires_at"] is None and by_points["3.00"]["status"] == "available"
    later = by_points["4.00"]
    assert later["expires_at"] is not None and later["status"] == "pending"
    expires = datetime.fromisoformat(later["expires_at"])
    assert timedelta(days=90) <= expires - datetime.fromisoformat(later["earned_at"]) <= timedelta(days=91)
    assert member(tenant, ada["id"])["points_pending"] == "4.00"


def test_pending_points_cannot_be_spent_until_their_day(tenant: Tenant) -> None:
    shop(tenant, points_pending_days=14)
    ada = register(tenant)
    bought = buy(tenant, ada["id"], "10.00")
    assert bought["points_earned"] == "10.00" and bought["points_balance"] == "0.00"
    shown = member(tenant, ada["id"])
    assert (shown["points_balance"], shown["points_pending"]) == ("0.00", "10.00")
    refused = pay(tenant, ada["id"], "1.00")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "insufficient_points"
    buy(tenant, ada["id"], "5.00", occurred_at=days_ago(15))  # sent late by an offline till: already available
    shown = member(tenant, ada["id"])
    assert (shown["points_balance"], shown["points_pending"]) == ("5.00", "10.00")
    assert pay(tenant, ada["id"], "5.00").status_code == 201


def test_a_return_takes_back_pending_points_of_its_own_purchase(tenant: Tenant) -> None:
    shop(tenant, points_pending_days=14)
    ada = register(tenant)
    buy(tenant, ada["id"], "20.00", occurred_at=days_ago(20))
    bought = buy(tenant, ada["id"], "10.00")
    returned = tenant.client.post(
        f"/v1/purchases/{bought['id']}/returns",
        json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 2}]},
        headers=tenant.pos,
    ).json()
    assert returned["points_taken_back"] == "10.00" and returned["points_not_recovered"] == "0.00"
    shown = member(tenant, ada["id"])
    assert (shown["points_balance"], shown["points_pending"]) == ("20.00", "0.00")  # the older lot is untouched


def test_a_cancelled_payment_restores_the_same_lots_with_their_dates(tenant: Tenant) -> None:
    shop(tenant, points_expire_after_days=30)
    ada = register(tenant)
    buy(tenant, ada["id"], "4.00", occurred_at=days_ago(25))
    buy(tenant, ada["id"], "6.00", occurred_at=days_ago(2))
    before = {lot["id"]: lot for lot in lots(tenant, ada["id"])}
    paid = pay(tenant, ada["id"], "8.00").json()
    cancelled = tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos)
    assert cancelled.status_code == 200, cancelled.text
    after = {lot["id"]: lot for lot in lots(tenant, ada["id"])}
    assert after == before  # same lots, same remaining points, same dates; no new lot
    assert member(tenant, ada["id"])["points_balance"] == "10.00"


def test_a_cancelled_purchase_restores_the_lots_its_points_payment_used(tenant: Tenant) -> None:
    shop(tenant, points_expire_after_days=30)
    ada = register(tenant)
    buy(tenant, ada["id"], "9.00", occurred_at=days_ago(25))
    before = {lot["id"]: lot for lot in lots(tenant, ada["id"])}
    paying = tenant.client.post(
        "/v1/payments",
        json={"member_id": ada["id"], "transaction_id": "T-PAY", "amount": "9.00"},
        headers=tenant.pos | {"Idempotency-Key": "pay-T-PAY"},
    )
    assert paying.status_code == 201
    body = {
        "transaction_id": "T-PAY",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "POPCORN", "amount": "9.00"}],
    }
    sold = tenant.client.post("/v1/purchases", json=body, headers=tenant.pos).json()
    tenant.client.post(f"/v1/purchases/{sold['id']}/cancel", headers=tenant.pos)
    assert {lot["id"]: lot for lot in lots(tenant, ada["id"])} == before


def test_a_return_whose_points_expired_takes_nothing_from_other_lots(tenant: Tenant, db: Database) -> None:
    shop(tenant, points_expire_after_days=5)
    ada = register(tenant)
    old = buy(tenant, ada["id"], "8.00", occurred_at=days_ago(7))
    buy(tenant, ada["id"], "3.00")
    expiry.run(db, at=datetime.now(UTC))
    returned = tenant.client.post(
        f"/v1/purchases/{old['id']}/returns",
        json={"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 2}]},
        headers=tenant.pos,
    ).json()
    assert returned["points_taken_back"] == "0.00" and returned["points_not_recovered"] == "8.00"
    assert member(tenant, ada["id"])["points_balance"] == "3.00"


def test_a_cancel_takes_spent_points_from_other_lots_but_never_the_expired_ones_again(
    alone: Tenant, own_db: Database
) -> None:
    shop(alone, points_expire_after_days=10)
    ada = register(alone)
    old = buy(alone, ada["id"], "10.00", occurred_at=days_ago(7))
    assert pay(alone, ada["id"], "4.00").status_code == 201  # 4 of its points spent while they were good
    expiry.run(own_db, at=datetime.now(UTC) + timedelta(days=5))  # the other 6 expire
    buy(alone, ada["id"], "20.00")
    cancelled = alone.client.post(f"/v1/purchases/{old['id']}/cancel", headers=alone.pos).json()
    assert cancelled["points_not_recovered"] == "6.00"  # the business already had the expired ones back
    assert member(alone, ada["id"])["points_balance"] == "16.00"  # the 4 spent come from the newer lot
    with own_db.read() as session:
        assert ledger.verify(session) == []


def test_the_expiry_run_posts_expiries_once_and_the_history_says_so(tenant: Tenant, db: Database) -> None:
    shop(tenant, points_expire_after_days=3)
    ada = register(tenant)
    buy(tenant, ada["id"], "7.00", occurred_at=days_ago(5))
    buy(tenant, ada["id"], "2.00")
    first = expiry.run(db, at=datetime.now(UTC))
    assert first.expired_points >= 700
    again = expiry.run(db, at=datetime.now(UTC))
    items = history(tenant, ada["id"])
    expired = [item for item in items if item["kind"] == "expire"]
    assert len(expired) == 1 and expired[0]["points"] == "-7.00"
    assert datetime.fromisoformat(expired[0]["at"]) < datetime.now(UTC)  # dated when the points expired
    assert again.expired_lots == 0
    shown = member(tenant, ada["id"])
    assert shown["points_balance"] == "2.00"
    with db.read() as session:
        assert ledger.verify(session) == []


def test_an_expiry_run_at_a_later_moment_expires_what_is_due_then(alone: Tenant, own_db: Database) -> None:
    shop(alone, points_expire_after_days=30)
    ada = register(alone)
    buy(alone, ada["id"], "5.00")
    ran = expiry.run(own_db, at=datetime.now(UTC) + timedelta(days=29))
    assert ran.expired_points == 0
    ran = expiry.run(own_db, at=datetime.now(UTC) + timedelta(days=32))
    assert (ran.expired_points, ran.expired_lots, ran.members) == (500, 1, 1)
    with own_db.read() as session:
        assert ledger.balance(session, uuid.UUID(ada["id"])) == 0
        assert ledger.verify(session) == []


def test_settings_out_of_range_name_the_field(tenant: Tenant) -> None:
    cases = [
        ({"points_expire_after_days": 0}, "points_expire_after_days"),
        ({"points_expire_after_days": 100000}, "points_expire_after_days"),
        ({"points_pending_days": -1}, "points_pending_days"),
        ({"points_pending_days": 366}, "points_pending_days"),
        ({"points_pending_days": "soon"}, "points_pending_days"),
        ({"points_expiry_reminder_days": 0}, "points_expiry_reminder_days"),
        ({"tier_window_days": 0}, "tier_window_days"),
        ({"tier_window_days": 1.5}, "tier_window_days"),
    ]
    for body, field in cases:
        answer = tenant.client.patch("/v1/business", json=body, headers=tenant.admin)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["details"]["field"] == field, body
    shown = tenant.client.get("/v1/business", headers=tenant.admin).json()
    assert shown["points_expire_after_days"] is None and shown["points_pending_days"] == 0


def test_a_sale_sent_late_is_bounded_and_its_time_is_part_of_its_identity(tenant: Tenant) -> None:
    shop(tenant)
    ada = register(tenant)
    body = {
        "transaction_id": "LATE-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "amount": "5.00"}],
    }
    for when, why in [
        ((datetime.now(UTC) + timedelta(hours=1)).isoformat(), "future"),
        (days_ago(31).isoformat(), "days ago"),
        ("2026-01-01T10:00:00", "offset"),
    ]:
        answer = tenant.client.post("/v1/purchases", json=body | {"occurred_at": when}, headers=tenant.pos)
        assert answer.status_code == 422, when
        assert answer.json()["error"]["details"]["field"] == "occurred_at" and why in answer.json()["error"]["message"]
    first = tenant.client.post(
        "/v1/purchases", json=body | {"occurred_at": days_ago(2).isoformat()}, headers=tenant.pos
    )
    assert first.status_code == 201
    other = tenant.client.post(
        "/v1/purchases", json=body | {"occurred_at": days_ago(3).isoformat()}, headers=tenant.pos
    )
    assert other.status_code == 409


def test_lots_of_another_business_are_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    ada = register(tenant)
    answer = other_tenant.client.get(f"/v1/members/{ada['id']}/points/lots", headers=other_tenant.admin)
    assert answer.status_code == 404


def test_a_debt_from_a_return_is_paid_first_by_the_next_earning(tenant: Tenant, db: Database) -> None:
    shop(tenant, allow_negative_balance=True)
    ada = register(tenant)
    first = buy(tenant, ada["id"], "10.00")
    assert pay(tenant, ada["id"], "10.00").status_code == 201
    cancelled = tenant.client.post(f"/v1/purchases/{first['id']}/cancel", headers=tenant.pos).json()
    assert cancelled["points_not_recovered"] == "0.00" and cancelled["points_balance"] == "-10.00"
    buy(tenant, ada["id"], "15.00")
    assert member(tenant, ada["id"])["points_balance"] == "5.00"
    assert [lot["remaining"] for lot in lots(tenant, ada["id"])] == ["5.00"]
    with db.read() as session:
        assert [problem for problem in ledger.verify(session) if ada["id"] in problem] == []
