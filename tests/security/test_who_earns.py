"""One rule for every way of earning: a blocked or pending member earns and receives nothing by any trigger;
`joined` fires once per member, ever; a pos key cannot hand out tags at registration."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import Asset, LedgerEntry, Member
from loyalty.members import access
from loyalty.sale import awards
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.outbox import Outbox
from tests.support.people import active_rule, benefit, register

FIFTY = [{"type": "add_points", "mode": "fixed", "points": "50"}]


def set_status(tenant: Tenant, member_id: str, status: str) -> None:
    answer = tenant.client.patch(f"/v1/members/{member_id}", json={"status": status}, headers=tenant.admin)
    assert answer.status_code == 200, answer.text


def holdings(db: Database, member_id: str) -> tuple[int, int]:
    """Ledger entries and wallet entries of the member: what earning would have added to."""
    with db.read() as session:
        entries = session.scalar(select(func.count()).where(LedgerEntry.member_id == uuid.UUID(member_id)))
        assets = session.scalar(select(func.count()).where(Asset.member_id == uuid.UUID(member_id)))
        return int(entries or 0), int(assets or 0)


@pytest.mark.parametrize("status", ["blocked", "pending"])
def test_a_member_who_is_not_active_earns_nothing_through_events_or_codes(
    tenant: Tenant, db: Database, status: str
) -> None:
    gift = benefit(tenant, name="Free coffee", discount={"amount": "3.00"})
    active_rule(db, tenant, trigger="event", conditions={"event": "visit"}, actions=FIFTY)
    active_rule(db, tenant, trigger="code_used", conditions={"code": "BONUS"}, actions=FIFTY)
    for body in ({"code": "BONUS", "effect": "trigger"}, {"code": "GIFT", "benefit_id": gift["id"]}):
        assert tenant.client.post("/v1/codes", json=body, headers=tenant.admin).status_code == 201
    member = register(tenant)
    set_status(tenant, member["id"], status)
    before = holdings(db, member["id"])

    for key in (tenant.pos, tenant.admin):
        event = tenant.client.post("/v1/events", json={"member_id": member["id"], "name": "visit"}, headers=key)
        assert event.status_code == 422 and event.json()["error"]["code"] == f"member_{status}"
        for code in ("BONUS", "GIFT"):
            used = tenant.client.post("/v1/codes/redeem", json={"code": code, "member_id": member["id"]}, headers=key)
            assert used.status_code == 422 and used.json()["error"]["code"] == f"member_{status}"
    assert holdings(db, member["id"]) == before


def test_the_engine_gives_a_member_who_is_not_active_nothing_whatever_the_trigger(tenant: Tenant, db: Database) -> None:
    active_rule(db, tenant, trigger="joined", actions=FIFTY)
    active_rule(db, tenant, trigger="event", conditions={"event": "visit"}, actions=FIFTY)
    active_rule(db, tenant, trigger="lifetime_points", conditions={"lifetime_points_at_least": "60"}, actions=FIFTY)
    member = register(tenant)  # 50 on joining
    set_status(tenant, member["id"], "blocked")

    def fire_everything(session: Any) -> int:
        business = access.business(session, uuid.UUID(tenant.business_id))
        found = session.get(Member, uuid.UUID(member["id"]))
        joined = awards.fire(session, business=business, member=found, trigger="joined", at=found.created_at)
        visit = awards.fire(
            session, business=business, member=found, trigger="event", event="visit", at=found.created_at
        )
        return joined.points + visit.points + len(joined.outcomes) + len(visit.outcomes)

    assert db.write(fire_everything) == 0
    answer = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert answer["points_balance"] == "50.00"


@pytest.fixture
def shop(settings: Settings, db: Database) -> Iterator[tuple[Tenant, Outbox]]:
    app = create_app(settings, db=db)
    outbox = Outbox()
    app.state.notifier = outbox
    with TestClient(app, raise_server_exceptions=False) as client:
        yield make_tenant(db, client), outbox


def test_the_joined_gift_fires_once_even_when_an_admin_sets_the_member_back_to_pending(
    shop: tuple[Tenant, Outbox], db: Database
) -> None:
    tenant, outbox = shop
    active_rule(db, tenant, trigger="joined", actions=FIFTY)
    app = f"/v1/app/{tenant.business_id}"
    tenant.client.post(f"{app}/register", json={"phone": "078 555 66 01", "consent": {"terms": True}})
    session = tenant.client.post(f"{app}/login/verify", json={"phone": "078 555 66 01", "code": outbox.sent[-1].code})
    member_id = session.json()["member_id"]
    for _ in range(3):
        set_status(tenant, member_id, "pending")
        tenant.client.post(f"{app}/login", json={"phone": "078 555 66 01"})
        again = tenant.client.post(f"{app}/login/verify", json={"phone": "078 555 66 01", "code": outbox.sent[-1].code})
        assert again.status_code == 200
        set_status(tenant, member_id, "pending")
        set_status(tenant, member_id, "active")  # an admin vouching again
    answer = tenant.client.get(f"/v1/members/{member_id}", headers=tenant.admin).json()
    assert answer["status"] == "active" and answer["points_balance"] == "50.00"


def test_a_pos_key_cannot_set_tags_at_registration(tenant: Tenant, db: Database) -> None:
    active_rule(db, tenant, trigger="joined", conditions={"member_tags": ["vip"]}, actions=FIFTY)
    answer = tenant.client.post("/v1/members", json={"phone": "078 555 66 02", "tags": ["vip"]}, headers=tenant.pos)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "tags"
    assert tenant.client.get("/v1/members", params={"q": "555 66 02"}, headers=tenant.admin).json()["items"] == []
    by_admin = register(tenant, "078 555 66 03", tags=["vip"])
    assert by_admin["tags"] == ["vip"] and by_admin["points_balance"] == "50.00"
    without = register(tenant, "078 555 66 04", key="pos")
    assert without["tags"] == []
