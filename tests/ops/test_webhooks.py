"""Webhooks through /v1 with a local receiver: signed per Standard Webhooks, at least once, retried, given up."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, WebhookDelivery, WebhookEvent, now
from loyalty.members import access, accounts
from loyalty.messages import outbound
from tests.conftest import Tenant
from tests.lots.helpers import buy
from tests.ops.hooks import deliver, deliveries, subscribe
from tests.ops.receiver import Receiver
from tests.support.people import phone, register


def test_endpoints_are_made_shown_changed_and_deleted(venue: Tenant, other_tenant: Tenant, db: Database) -> None:
    made = subscribe(venue, "http://127.0.0.1:9/hook", ["purchase.confirmed"])
    assert made["secret"].startswith("whsec_")
    shown = venue.client.get(f"/v1/webhooks/{made['id']}", headers=venue.admin).json()
    assert "secret" not in shown and shown["status"] == "active"
    assert [item["id"] for item in venue.client.get("/v1/webhooks", headers=venue.admin).json()["items"]] == [
        made["id"]
    ]
    changed = venue.client.patch(
        f"/v1/webhooks/{made['id']}", json={"events": ["member.created", "tier.changed"]}, headers=venue.admin
    )
    assert changed.json()["events"] == ["member.created", "tier.changed"]
    wrong = venue.client.patch(f"/v1/webhooks/{made['id']}", json={"events": ["member.born"]}, headers=venue.admin)
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == "events.0"
    rotated = venue.client.post(f"/v1/webhooks/{made['id']}/rotate-secret", headers=venue.admin).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert other_tenant.client.get(f"/v1/webhooks/{made['id']}", headers=other_tenant.admin).status_code == 404
    assert venue.client.get(f"/v1/webhooks/{made['id']}", headers=venue.pos).status_code == 403
    assert venue.client.delete(f"/v1/webhooks/{made['id']}", headers=venue.admin).status_code == 204
    assert venue.client.get(f"/v1/webhooks/{made['id']}", headers=venue.admin).status_code == 404
    with db.read() as session:
        audited = session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.object_type == "webhook_endpoint", AuditRecord.object_id == made["id"])
            .order_by(AuditRecord.at)
        ).all()
    assert audited == ["webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.delete"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]/",
    ],
)
def test_loopback_and_private_addresses_are_refused_by_default(tenant: Tenant, url: str) -> None:
    answer = tenant.client.post("/v1/webhooks", json={"url": url}, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == "url"


def test_not_http_is_refused(tenant: Tenant) -> None:
    answer = tenant.client.post("/v1/webhooks", json={"url": "ftp://example.org/x"}, headers=tenant.admin)
    assert answer.status_code == 422 and answer.json()["error"]["details"]["field"] == "url"


def test_a_purchase_arrives_signed(venue: Tenant, db: Database) -> None:
    with Receiver() as receiver:
        endpoint = subscribe(venue, receiver.url)
        ada = register(venue)
        bought = buy(venue, ada["id"], "12.00")
        deliver(db)
        assert len(receiver.received) == 2
        verifier = Webhook(endpoint["secret"])
        parsed = [verifier.verify(item.body, item.headers) for item in receiver.received]
    by_type = {body["type"]: body for body in parsed}
    assert by_type["member.created"]["data"]["member_id"] == ada["id"]
    confirmed = by_type["purchase.confirmed"]["data"]
    assert confirmed["purchase_id"] == bought["id"] and confirmed["points_earned"] == bought["points_earned"]
    assert receiver.received[0].headers["webhook-signature"].startswith("v1,")
    listed = deliveries(venue, endpoint["id"])
    assert {item["status"] for item in listed} == {"delivered"}
    assert {item["response_status"] for item in listed} == {200}
    assert {item["event_id"] for item in listed} == {item.headers["webhook-id"] for item in receiver.received}


def test_only_subscribed_types_are_written(venue: Tenant, db: Database) -> None:
    with Receiver() as receiver:
        subscribe(venue, receiver.url, ["credit.topped_up"])
        ada = register(venue)
        buy(venue, ada["id"], "5.00")
        deliver(db)
        assert receiver.received == []


def test_an_endpoint_that_fails_then_recovers_gets_every_event(venue: Tenant, db: Database) -> None:
    with Receiver(answer=lambda n: 500 if n < 3 else 200) as receiver:
        endpoint = subscribe(venue, receiver.url, ["purchase.confirmed"])
        ada = register(venue)
        bought = {buy(venue, ada["id"], f"{n}.00")["id"] for n in (1, 2, 3)}
        assert deliver(db) == 3
        waiting = deliveries(venue, endpoint["id"])
        assert {(item["status"], item["attempts"], item["response_status"]) for item in waiting} == {
            ("pending", 1, 500)
        }
        assert all(item["next_attempt_at"] for item in waiting)
        assert deliver(db) == 0  # not due yet
        assert deliver(db, at=now() + timedelta(seconds=10)) == 3
        accepted = [json.loads(item.body)["data"]["purchase_id"] for item in receiver.received[3:]]
    assert set(accepted) == bought
    assert {item["status"] for item in deliveries(venue, endpoint["id"])} == {"delivered"}


def test_after_three_days_a_delivery_fails_and_the_endpoint_is_flagged(venue: Tenant, db: Database) -> None:
    with Receiver(answer=lambda _n: 503) as receiver:
        endpoint = subscribe(venue, receiver.url, ["member.created"])
        register(venue)
        at = now()
        for _ in range(40):
            deliver(db, at=at)
            (item,) = deliveries(venue, endpoint["id"])
            if item["status"] != "pending":
                break
            at = datetime.fromisoformat(str(item["next_attempt_at"]))
        assert item["status"] == "failed"
        assert at - datetime.fromisoformat(str(item["created_at"])) <= timedelta(days=3)
        assert int(str(item["attempts"])) == len(receiver.received) >= 10
    shown = venue.client.get(f"/v1/webhooks/{endpoint['id']}", headers=venue.admin).json()
    assert shown["status"] == "failing"
    assert deliver(db, at=at + timedelta(days=10)) == 0  # given up: never sent again by itself

    with Receiver() as healthy:
        venue.client.patch(f"/v1/webhooks/{endpoint['id']}", json={"url": healthy.url}, headers=venue.admin)
        retried = venue.client.post(
            f"/v1/webhooks/{endpoint['id']}/deliveries/{item['id']}/retry", headers=venue.admin
        ).json()
        assert retried["status"] == "delivered" and len(healthy.received) == 1
    assert venue.client.get(f"/v1/webhooks/{endpoint['id']}", headers=venue.admin).json()["status"] == "active"


def test_a_test_event_is_sent_at_once(venue: Tenant) -> None:
    with Receiver() as receiver:
        endpoint = subscribe(venue, receiver.url, ["purchase.confirmed"])
        sent = venue.client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=venue.admin).json()
        assert sent["status"] == "delivered" and sent["response_status"] == 200 and sent["type"] == "webhook.test"
        assert Webhook(endpoint["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)["type"] == (
            "webhook.test"
        )


def test_a_rolled_back_change_sends_nothing(venue: Tenant, db: Database) -> None:
    with Receiver() as receiver:
        subscribe(venue, receiver.url)

        def joins_then_fails(session: object) -> None:
            business = access.business(session, uuid.UUID(venue.business_id))  # type: ignore[arg-type]
            accounts.register(session, business=business, phone=phone(77), actor="test", at=now())  # type: ignore[arg-type]
            raise RuntimeError("something after the member failed")

        with pytest.raises(RuntimeError):
            db.write(joins_then_fails)
        ada = register(venue)
        refused = venue.client.post(
            "/v1/purchases",
            json={
                "transaction_id": "T-refused",
                "member_id": ada["id"],
                "items": [{"line_id": "1", "code": "X", "quantity": 1, "amount": "10.00"}],
                "payments": [{"mop": "cash", "amount": "10.00"}],
                "benefits": [str(uuid.uuid4())],  # not in her wallet: refused after the purchase's first insert
            },
            headers=venue.pos,
        )
        assert refused.status_code >= 400
        deliver(db)
        types = [json.loads(item.body)["type"] for item in receiver.received]
    assert types == ["member.created"]  # Ada's, made through the API; nothing of the rolled-back ones
    with db.read() as session:
        count = session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.business_id == uuid.UUID(venue.business_id))
        )
    assert count == 1


def test_nothing_leaves_while_outbound_is_held(venue: Tenant, db: Database) -> None:
    with Receiver() as receiver:
        subscribe(venue, receiver.url, ["member.created"])
        db.write(lambda session: outbound.set_paused(session, True, "restored"))
        try:
            register(venue)
            assert deliver(db) == 0
        finally:
            db.write(lambda session: outbound.set_paused(session, False))
        assert deliver(db) >= 1
        assert len(receiver.received) == 1


def test_concurrent_workers_send_each_delivery_once(venue: Tenant, db: Database) -> None:
    with Receiver() as receiver:
        subscribe(venue, receiver.url, ["member.created"])
        for n in range(30):
            register(venue, phone(1000 + n))
        workers = [threading.Thread(target=deliver, args=(db,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        while deliver(db):  # whatever a worker's batch limit left
            pass
        ids = [item.headers["webhook-id"] for item in receiver.received]
    assert len(ids) == len(set(ids)) == 30
    with db.read() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.business_id == uuid.UUID(venue.business_id), WebhookDelivery.status != "delivered")
        )
    assert pending == 0
