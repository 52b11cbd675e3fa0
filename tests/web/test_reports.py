"""The dashboard's figures: points earned, taken back, spent, given back and adjusted per local day, and the points
outstanding, all read from the ledger."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, LedgerTransaction
from loyalty.members import access
from loyalty.reports import dashboard as reports
from loyalty.wallet import ledger
from tests.conftest import Tenant
from tests.support.people import active_rule, adjust, phone, register


def test_the_report_counts_each_kind_of_change_today_and_the_points_outstanding(tenant: Tenant, db: Database) -> None:
    active_rule(
        db,
        tenant,
        trigger="purchase",
        actions=[{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00"}],
    )
    ada = register(tenant)
    grace = register(tenant, phone(77))
    adjust(tenant, ada["id"], "40", reason="welcome")
    adjust(tenant, grace["id"], "5.50", reason="welcome")
    sale = {
        "transaction_id": "T-1",
        "member_id": ada["id"],
        "items": [{"line_id": "1", "code": "TICKET", "amount": "18.00"}],
        "payments": [{"mop": "cash", "amount": "18.00"}],
    }
    bought = tenant.client.post("/v1/purchases", json=sale, headers=tenant.pos).json()
    paid = tenant.client.post(
        "/v1/payments",
        json={"member_id": ada["id"], "transaction_id": "T-2", "amount": "10.00"},
        headers=tenant.pos | {"Idempotency-Key": "T-2-pay"},
    ).json()
    tenant.client.post(f"/v1/payments/{paid['id']}/cancel", headers=tenant.pos)
    tenant.client.post(
        "/v1/payments",
        json={"member_id": ada["id"], "transaction_id": "T-3", "amount": "4.00"},
        headers=tenant.pos | {"Idempotency-Key": "T-3-pay"},
    )
    tenant.client.post(f"/v1/purchases/{bought['id']}/cancel", headers=tenant.pos)

    answer = tenant.client.get("/v1/reports/points", params={"days": 7}, headers=tenant.admin)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    today = datetime.now(ZoneInfo("Europe/Zurich")).date()
    assert [day["date"] for day in report["days"]] == [(today - timedelta(days=6 - n)).isoformat() for n in range(7)]
    assert report["totals"] == {
        "earned": "18.00",
        "taken_back": "18.00",
        "spent": "14.00",
        "given_back": "10.00",
        "adjusted": "45.50",
    }
    assert report["days"][-1] | {"date": "-"} == report["totals"] | {"date": "-"}
    assert report["outstanding"] == "41.50" and report["outstanding_value"] == "41.50"
    assert report["members"] == 2 and report["currency"] == "CHF"
    balances = [tenant.client.get(f"/v1/members/{m['id']}", headers=tenant.admin).json() for m in (ada, grace)]
    assert sum(Decimal(member["points_balance"]) for member in balances) == Decimal(report["outstanding"])


def test_a_day_is_the_business_local_day(tenant: Tenant, db: Database) -> None:
    member = register(tenant)

    def earn_late_in_the_evening(session: Session) -> None:
        business = access.business(session, uuid.UUID(tenant.business_id))
        done = ledger.post(
            session,
            business=business,
            member_id=uuid.UUID(member["id"]),
            kind="adjust",
            amount=250,
            cause=ledger.Cause(reason="test"),
        )
        assert done is not None
        # 23:30 in UTC on 9 March is 00:30 on 10 March in Zurich.
        moment = datetime(2024, 3, 9, 23, 30, tzinfo=UTC)
        for table, column in ((LedgerEntry, LedgerEntry.transaction_id), (LedgerTransaction, LedgerTransaction.id)):
            session.execute(update(table).where(column == done.id).values(created_at=moment))

    db.write(earn_late_in_the_evening)
    with db.read() as session:
        business = access.business(session, uuid.UUID(tenant.business_id))
        report = reports.points_by_day(session, business=business, days=2, at=datetime(2024, 3, 10, 12, tzinfo=UTC))
    assert [day.date for day in report.days] == [date(2024, 3, 9), date(2024, 3, 10)]
    assert [day.hundredths["adjusted"] for day in report.days] == [0, 250]


def test_the_report_is_for_admin_keys_and_a_sensible_period(tenant: Tenant) -> None:
    assert tenant.client.get("/v1/reports/points", headers=tenant.pos).status_code == 403
    for days in (0, reports.MAX_DAYS + 1):
        answer = tenant.client.get("/v1/reports/points", params={"days": days}, headers=tenant.admin)
        assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "days"
