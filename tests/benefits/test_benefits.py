"""Benefit templates, the wallet, and spending a wallet entry once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from loyalty.db.engine import Database
from loyalty.db.models import Asset, AuditRecord
from loyalty.wallet import benefits
from tests.conftest import Tenant
from tests.support.people import benefit, recorded_purchase, register


def test_an_admin_makes_a_percent_discount_with_a_cap(tenant: Tenant) -> None:
    made = benefit(
        tenant,
        name="10% off coffee",
        discount={"percent": "10", "max": "20"},
        items={"departments": ["coffee"]},
        valid_days=30,
        conditions={"min_spend": "5"},
    )
    assert made["kind"] == "discount" and made["discount"] == {"percent": "10", "max": "20.00"}
    assert made["items"] == {"departments": ["coffee"]} and made["valid_days"] == 30
    assert made["conditions"] == {"min_spend": "5.00"} and made["status"] == "active"
    assert tenant.client.get(f"/v1/benefits/{made['id']}", headers=tenant.pos).json() == made


def test_an_admin_makes_a_fixed_amount_discount_and_a_free_item(tenant: Tenant) -> None:
    amount = benefit(tenant, name="5 off", discount={"amount": 5})
    assert amount["discount"] == {"amount": "5.00"} and amount["items"] is None and amount["valid_days"] is None
    free = benefit(tenant, name="Free popcorn", kind="free_item", discount=None, items={"codes": ["POP"]}, max_units=2)
    assert free["kind"] == "free_item" and free["max_units"] == 2 and free["discount"] is None
    listed = tenant.client.get("/v1/benefits", headers=tenant.admin).json()
    assert [item["name"] for item in listed] == ["5 off", "Free popcorn"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "discount"}, "discount"),
        ({"name": "x", "kind": "discount", "discount": {"percent": "10", "amount": "5"}}, "discount"),
        ({"name": "x", "kind": "discount", "discount": {"percent": "150"}}, "discount.percent"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5.001"}}, "discount.amount"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "1e999999"}}, "discount.amount"),
        ({"name": "x", "kind": "discount", "discount": {"percent": "1e-999999"}}, "discount.percent"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5", "max": "2"}}, "discount.max"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5"}, "valid_days": 0}, "valid_days"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5"}, "valid_days": 10**9}, "valid_days"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5"}, "items": {}}, "items"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5"}, "items": {"skus": ["A"]}}, "items.skus"),
        ({"name": "x", "kind": "free_item"}, "items"),
        ({"name": "x", "kind": "free_item", "items": {"codes": ["A"]}, "max_units": 0}, "max_units"),
        ({"name": "x", "kind": "gift"}, "kind"),
        ({"name": "", "kind": "discount", "discount": {"amount": "5"}}, "name"),
        ({"name": "x", "kind": "discount", "discount": {"amount": "5"}, "colour": "red"}, "colour"),
    ],
)
def test_an_invalid_template_is_a_422_naming_the_field(tenant: Tenant, body: dict[str, object], field: str) -> None:
    answer = tenant.client.post("/v1/benefits", json=body, headers=tenant.admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"]["field"] == field


def test_templates_are_made_by_admins_and_kept_per_business(tenant: Tenant, other_tenant: Tenant) -> None:
    body = {"name": "x", "kind": "discount", "discount": {"amount": "5"}}
    assert tenant.client.post("/v1/benefits", json=body, headers=tenant.pos).status_code == 403
    assert tenant.client.post("/v1/benefits", json=body).status_code == 401
    theirs = benefit(other_tenant)
    assert tenant.client.get(f"/v1/benefits/{theirs['id']}", headers=tenant.admin).status_code == 404
    assert tenant.client.get("/v1/benefits", headers=tenant.admin).json() == []


def test_an_admin_puts_a_benefit_in_a_wallet_valid_for_its_days(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, valid_days=30)
    member = register(tenant)
    answer = tenant.client.post(
        f"/v1/members/{member['id']}/benefits", json={"benefit_id": coffee["id"]}, headers=tenant.admin
    )
    assert answer.status_code == 201, answer.text
    asset = answer.json()
    assert asset["benefit_id"] == coffee["id"] and asset["name"] == "10% off coffee"
    assert asset["status"] == "active" and asset["redeemable"] is True and asset["reason"] is None
    granted = datetime.fromisoformat(asset["granted_at"])
    assert datetime.fromisoformat(asset["valid_until"]) - granted == timedelta(days=30)
    assert asset["source"] == "admin"
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()
    assert [entry["id"] for entry in shown["benefits"]] == [asset["id"]]
    with db.read() as session:
        actions = session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == asset["id"])).all()
    assert actions == ["benefit.grant"]


def test_granting_needs_a_benefit_and_a_member_of_this_business(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = register(tenant)
    theirs_member = register(other_tenant)
    theirs_benefit = benefit(other_tenant)
    my_benefit = benefit(tenant)
    url = f"/v1/members/{mine['id']}/benefits"
    refused = tenant.client.post(url, json={"benefit_id": theirs_benefit["id"]}, headers=tenant.admin)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "benefit_id"
    missing = tenant.client.post(url, json={}, headers=tenant.admin)
    assert missing.status_code == 422 and missing.json()["error"]["details"]["field"] == "benefit_id"
    other = tenant.client.post(
        f"/v1/members/{theirs_member['id']}/benefits", json={"benefit_id": my_benefit["id"]}, headers=tenant.admin
    )
    assert other.status_code == 404
    assert tenant.client.post(url, json={"benefit_id": my_benefit["id"]}, headers=tenant.pos).status_code == 403


def grant(tenant: Tenant, member_id: str, benefit_id: str) -> dict[str, object]:
    answer = tenant.client.post(
        f"/v1/members/{member_id}/benefits", json={"benefit_id": benefit_id}, headers=tenant.admin
    )
    assert answer.status_code == 201
    asset: dict[str, object] = answer.json()
    return asset


def test_a_deactivated_benefit_stays_in_the_wallet_but_cannot_be_used(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    member = register(tenant)
    first = grant(tenant, member["id"], coffee["id"])
    second = grant(tenant, member["id"], coffee["id"])
    url = f"/v1/members/{member['id']}/benefits/{first['id']}/deactivate"
    answer = tenant.client.post(url, headers=tenant.admin)
    assert answer.status_code == 200
    assert answer.json()["status"] == "deactivated" and answer.json()["redeemable"] is False
    assert answer.json()["reason"] == "deactivated"
    assert tenant.client.post(url, headers=tenant.admin).status_code == 200  # twice is a no-op
    wallet = tenant.client.get(f"/v1/members/{member['id']}/benefits", headers=tenant.pos).json()
    assert [entry["id"] for entry in wallet] == [second["id"], first["id"]]  # usable first
    with db.read() as session:
        actions = session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == first["id"])).all()
    assert sorted(actions) == ["benefit.deactivate", "benefit.grant"]
    assert tenant.client.post(url, headers=tenant.pos).status_code == 403
    other = f"/v1/members/{member['id']}/benefits/{uuid.uuid4()}/deactivate"
    assert tenant.client.post(other, headers=tenant.admin).status_code == 404


def _redeem(db: Database, tenant: Tenant, member_id: str, asset_id: str, at: datetime | None = None) -> Asset:
    return db.write(
        lambda session: benefits.redeem(
            session,
            business_id=uuid.UUID(tenant.business_id),
            member_id=uuid.UUID(member_id),
            asset_id=uuid.UUID(asset_id),
            purchase_id=None,
            at=at or datetime.now(UTC),
        )
    )


def test_a_redeemed_benefit_cannot_be_used_again_and_says_when_it_was_used(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    member = register(tenant)
    asset = grant(tenant, member["id"], coffee["id"])
    assert _redeem(db, tenant, member["id"], str(asset["id"])).status == "redeemed"
    with pytest.raises(benefits.BenefitNotRedeemable) as refused:
        _redeem(db, tenant, member["id"], str(asset["id"]))
    assert refused.value.reason.startswith("already used on ")
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.pos).json()["benefits"][0]
    assert shown["status"] == "redeemed" and shown["redeemable"] is False and shown["reason"].startswith("already used")
    again = tenant.client.post(f"/v1/members/{member['id']}/benefits/{asset['id']}/deactivate", headers=tenant.admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "benefit_not_redeemable"


def test_another_member_cannot_redeem_my_benefit(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    ada = register(tenant)
    grace = register(tenant, "+41 78 000 00 01")
    asset = grant(tenant, ada["id"], coffee["id"])
    with pytest.raises(benefits.BenefitNotRedeemable) as refused:
        _redeem(db, tenant, grace["id"], str(asset["id"]))
    assert refused.value.reason == "it is not in this member's wallet"


def test_an_expired_benefit_says_when_it_expired(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, valid_days=1)
    member = register(tenant)
    asset = grant(tenant, member["id"], coffee["id"])
    later = datetime.now(UTC) + timedelta(days=2)
    with pytest.raises(benefits.BenefitNotRedeemable) as refused:
        _redeem(db, tenant, member["id"], str(asset["id"]), at=later)
    assert refused.value.reason.startswith("expired on ")
    past = datetime.now(UTC) - timedelta(minutes=1)
    db.write(
        lambda session: session.execute(
            update(Asset).where(Asset.id == uuid.UUID(str(asset["id"]))).values(valid_until=past)
        )
    )
    shown = tenant.client.get(f"/v1/members/{member['id']}/benefits", headers=tenant.pos).json()[0]
    assert shown["status"] == "expired" and shown["redeemable"] is False and shown["reason"].startswith("expired on")


def _restore(db: Database, tenant: Tenant, asset_id: uuid.UUID, purchase_id: uuid.UUID, at: datetime) -> Asset | None:
    return db.write(
        lambda session: benefits.restore(
            session, business_id=uuid.UUID(tenant.business_id), asset_id=asset_id, purchase_id=purchase_id, at=at
        )
    )


def test_a_cancelled_purchase_gives_the_benefit_back_once(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, valid_days=1)
    member = register(tenant)
    asset_id = uuid.UUID(str(grant(tenant, member["id"], coffee["id"])["id"]))
    purchase_id, other_purchase = recorded_purchase(db, tenant), recorded_purchase(db, tenant)
    redeemed = db.write(
        lambda session: benefits.redeem(
            session,
            business_id=uuid.UUID(tenant.business_id),
            member_id=uuid.UUID(member["id"]),
            asset_id=asset_id,
            purchase_id=purchase_id,
            at=datetime.now(UTC),
        )
    )
    assert redeemed.redeemed_purchase_id == purchase_id
    assert _restore(db, tenant, asset_id, other_purchase, datetime.now(UTC)) is None  # not that purchase's to give back
    restored = _restore(db, tenant, asset_id, purchase_id, datetime.now(UTC))
    assert restored is not None and restored.status == "active" and restored.redeemed_at is None
    assert _restore(db, tenant, asset_id, purchase_id, datetime.now(UTC)) is None  # twice is a no-op
    assert _redeem(db, tenant, member["id"], str(asset_id)).status == "redeemed"  # usable again


def test_a_benefit_given_back_after_its_end_comes_back_expired(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant, valid_days=1)
    member = register(tenant)
    asset_id = uuid.UUID(str(grant(tenant, member["id"], coffee["id"])["id"]))
    purchase_id = recorded_purchase(db, tenant)
    db.write(
        lambda session: benefits.redeem(
            session,
            business_id=uuid.UUID(tenant.business_id),
            member_id=uuid.UUID(member["id"]),
            asset_id=asset_id,
            purchase_id=purchase_id,
            at=datetime.now(UTC),
        )
    )
    restored = _restore(db, tenant, asset_id, purchase_id, datetime.now(UTC) + timedelta(days=3))
    assert restored is not None and restored.status == "expired"


def test_twenty_concurrent_redemptions_of_one_benefit_have_one_winner(tenant: Tenant, db: Database) -> None:
    coffee = benefit(tenant)
    member = register(tenant)
    asset_id = str(grant(tenant, member["id"], coffee["id"])["id"])
    start = threading.Barrier(20)

    def attempt() -> str:
        start.wait()
        try:
            _redeem(db, tenant, member["id"], asset_id)
        except benefits.BenefitNotRedeemable as refused:
            return refused.reason
        return "won"

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda _: attempt(), range(20)))
    assert results.count("won") == 1
    assert all(result.startswith("already used") for result in results if result != "won")
