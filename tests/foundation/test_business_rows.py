"""The caller's business, read by the key check on the driver's cursor and shared between requests while its row
is unchanged: read only, and never older than the row the request's own transaction read."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update

from loyalty.db.engine import Database
from loyalty.db.models import Business
from loyalty.members import access
from loyalty.members.business_rows import SharedBusinessChanged
from loyalty.members.keyed import KeyedDatabase
from tests.conftest import Tenant
from tests.support.statements import Statements


def _read_business(db: Database, tenant: Tenant) -> Business:
    keyed = KeyedDatabase(db)
    with db.read() as session:
        keyed.who = access.authenticate(session, tenant.pos_key)
    with keyed.read() as session:
        return access.business(session, uuid.UUID(tenant.business_id))


def test_an_unchanged_business_is_one_shared_object_that_refuses_changes(db: Database, tenant: Tenant) -> None:
    first = _read_business(db, tenant)
    assert _read_business(db, tenant) is first
    assert (first.name, first.currency, first.means_of_payment) == ("Test shop", "CHF", ["cash", "card"])
    with pytest.raises(SharedBusinessChanged):
        first.currency = "EUR"
    assert _read_business(db, tenant).currency == "CHF"


def test_a_row_changed_by_anyone_is_read_by_the_next_request(db: Database, tenant: Tenant) -> None:
    before = _read_business(db, tenant)
    business_id = uuid.UUID(tenant.business_id)
    # Another process, or an operator with SQL: nothing of this process is told.
    db.write(lambda session: session.execute(update(Business).where(Business.id == business_id).values(language="fr")))
    after = _read_business(db, tenant)
    assert after is not before and (before.language, after.language) == ("en", "fr")
    assert tenant.client.get("/v1/business", headers=tenant.admin).json()["language"] == "fr"


def test_a_setting_changed_through_the_api_is_seen_at_once_by_every_key(tenant: Tenant) -> None:
    member = tenant.client.post("/v1/members", headers=tenant.admin, json={"phone": "+41790000001"}).json()
    gift = {"points": "12", "reason": "welcome"}
    tenant.client.post(f"/v1/members/{member['id']}/adjustments", headers=tenant.admin, json=gift).raise_for_status()
    seen = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()
    assert seen["points_balance"] == "12.00"
    changed = tenant.client.patch("/v1/business", headers=tenant.admin, json={"points_decimals": 0})
    assert changed.status_code == 200 and changed.json()["points_decimals"] == 0
    assert tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()["points_balance"] == "12"
    assert tenant.client.get("/v1/business", headers=tenant.admin).json()["points_decimals"] == 0


def test_a_purchase_reads_the_business_once_and_the_webhook_endpoints_never(db: Database, tenant: Tenant) -> None:
    """The business read by the key check serves the whole purchase: the webhook endpoints kept with its
    programme's version are not asked again."""
    member = tenant.client.post("/v1/members", headers=tenant.admin, json={"phone": "+41790000002"}).json()

    def buy(number: int) -> None:
        sale = {
            "transaction_id": f"t-{number}",
            "member_id": member["id"],
            "items": [{"line_id": "1", "code": "TICKET", "quantity": "1", "amount": "15.00"}],
        }
        assert tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale).status_code == 201

    buy(1)
    with Statements(db) as seen:
        buy(2)
    business_reads = [sql for sql in seen.statements if sql.lstrip().startswith("SELECT business.")]
    assert len(business_reads) == 1 and "api_key" in business_reads[0]
    assert not [sql for sql in seen.statements if "webhook_endpoint" in sql]
