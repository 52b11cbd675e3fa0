"""The liability report: the points members hold and their worth, by the month they expire."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.conftest import Tenant
from tests.lots.helpers import adjust, buy, days_ago, lots, pay, register, settings, shop


def test_points_held_are_owed_by_month_of_expiry_at_their_worth(tenant: Tenant) -> None:
    shop(tenant, point_value="0.50")
    ada = register(tenant)
    adjust(tenant, ada["id"], "10", "before any expiry policy")
    settings(tenant, points_expire_after_days=60)
    buy(tenant, ada["id"], "8.00", occurred_at=days_ago(20))
    buy(tenant, ada["id"], "6.00", occurred_at=days_ago(1))
    pay(tenant, ada["id"], "1.00")  # 2 points, from the lot that expires first
    settings(tenant, points_expire_after_days=1)
    buy(tenant, ada["id"], "3.00", occurred_at=days_ago(5))  # expired already: owed to nobody
    report = tenant.client.get("/v1/reports/liability", headers=tenant.admin).json()

    zone = ZoneInfo("Europe/Zurich")
    expected: dict[str, Decimal] = {}
    for lot in lots(tenant, ada["id"]):
        if lot["expires_at"] and lot["status"] != "expired":
            last_day = datetime.fromisoformat(lot["expires_at"]).astimezone(zone) - timedelta(seconds=1)
            expected[f"{last_day:%Y-%m}"] = expected.get(f"{last_day:%Y-%m}", Decimal(0)) + Decimal(lot["remaining"])
    assert {month["month"]: Decimal(month["points"]) for month in report["months"]} == expected
    assert sum(expected.values()) == Decimal("12.00")  # 8 + 6 - 2 paid; the expired 3 are owed to nobody
    assert report["never_expiring"] == {"month": "never", "points": "10.00", "value": "5.00"}
    assert (report["total_points"], report["total_value"]) == ("22.00", "11.00")
    assert report["currency"] == "CHF" and report["point_value"] == "0.50"
    for month in report["months"]:
        assert Decimal(month["value"]) == Decimal(month["points"]) / 2


def test_pending_points_are_owed_and_shown_apart(tenant: Tenant) -> None:
    shop(tenant, points_pending_days=14)
    ada = register(tenant)
    buy(tenant, ada["id"], "7.00")
    report = tenant.client.get("/v1/reports/liability", headers=tenant.admin).json()
    assert (report["pending_points"], report["total_points"]) == ("7.00", "7.00")
    assert tenant.client.get("/v1/reports/liability", headers=tenant.pos).status_code == 403
