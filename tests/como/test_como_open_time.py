"""`openTime` is the sale's time: a closed submitPurchase sent days late is dated when it happened (weekday rules,
pending and expiry follow it), within the bounds `/v1`'s `occurred_at` has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import Purchase
from tests.como.helpers import PHONE, ComoTill, purchase, shop
from tests.conftest import Tenant


def como_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_sale_sent_three_days_late_is_dated_when_it_happened(tenant: Tenant, db: Database) -> None:
    shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    sold = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    late = {"customers": [{"phoneNumber": PHONE}], "purchase": purchase("LATE-1", openTime=como_time(sold))}
    done = till.post("submitPurchase", late)
    with db.read() as session:
        row = session.scalar(select(Purchase).where(Purchase.transaction_id == "LATE-1"))
        assert row is not None and str(row.id) == done["confirmation"]
        assert row.created_at.replace(tzinfo=UTC) == sold
    # The same sale sent again is the same purchase; with another time it is another body.
    again = till.post("submitPurchase", late)
    assert again["confirmation"] == done["confirmation"]
    hour_later = purchase("LATE-1", openTime=como_time(sold + timedelta(hours=1)))
    moved = till.refused("submitPurchase", {**late, "purchase": hour_later})
    assert moved["code"] == "4090001"


def test_an_open_time_out_of_bounds_is_refused_naming_it(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    for txn, when in (
        ("OLD-1", como_time(datetime.now(UTC) - timedelta(days=31))),
        ("SOON-1", como_time(datetime.now(UTC) + timedelta(hours=1))),
        ("BAD-1", "yesterday"),
    ):
        refused = till.refused("submitPurchase", {"purchase": purchase(txn, openTime=when)})
        assert refused["code"] == "4000001" and refused["message"].startswith("purchase.openTime"), refused
    # An open ticket and a quote are about now: their openTime is informative.
    old = como_time(datetime.now(UTC) - timedelta(days=40))
    till.post("submitPurchase?status=open", {"purchase": purchase("OPEN-1", openTime=old)})
    till.post("getBenefits", {"purchase": purchase("OPEN-1", openTime=old)})
    # Sent without openTime (or with an offset), the sale is recorded.
    till.post("submitPurchase", {"purchase": {**purchase("NOW-1"), "openTime": None}})
    till.post("submitPurchase", {"purchase": purchase("OFFSET-1", openTime=datetime.now(UTC).astimezone().isoformat())})
