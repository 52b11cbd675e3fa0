"""A member never pays more than the sale costs: a points payment made with the sale in hand is capped at what
it still owes, and a confirmation whose points (or credit) payments exceed its total is refused with nothing kept."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select

from loyalty.db.engine import Database
from loyalty.db.models import LedgerEntry, PointsPayment, Purchase, SaleTab
from tests.conftest import Tenant


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def member_with_points(tenant: Tenant, points: str = "100", phone: str = "079 555 07 07") -> dict[str, Any]:
    client, admin = tenant.client, tenant.admin
    member = ok(client.post("/v1/members", headers=admin, json={"phone": phone, "first_name": "Grace"}), 201)
    ok(
        client.post(
            f"/v1/members/{member['id']}/adjustments", headers=admin, json={"points": points, "reason": "gift"}
        ),
        201,
    )
    return member


def sale(member_id: str, transaction_id: str, **extra: Any) -> dict[str, Any]:
    """A 37.00 sale: two tickets and a popcorn."""
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [
            {"line_id": "1", "code": "TICKET", "quantity": 2, "amount": "30.00"},
            {"line_id": "2", "code": "POPCORN", "quantity": 1, "amount": "7.00"},
        ],
        **extra,
    }


def balance(tenant: Tenant, member_id: str) -> Decimal:
    return Decimal(ok(tenant.client.get(f"/v1/members/{member_id}", headers=tenant.pos))["points_balance"])


def pay(tenant: Tenant, member_id: str, transaction_id: str, amount: str, **extra: Any) -> Any:
    body = {"member_id": member_id, "transaction_id": transaction_id, "amount": amount, **extra}
    headers = tenant.pos | {"Idempotency-Key": uuid.uuid4().hex}
    return tenant.client.post("/v1/payments", headers=headers, json=body)


def test_a_points_payment_with_the_sale_is_capped_at_what_the_sale_costs(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    paid = ok(pay(tenant, member["id"], "T-1", "60.00", purchase=sale(member["id"], "T-1")), 201)
    assert paid["amount"] == "37.00" and Decimal(paid["points_used"]) == 37
    assert balance(tenant, member["id"]) == 63


def test_a_typed_amount_far_above_the_sale_takes_only_what_is_still_owed(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    first = ok(pay(tenant, member["id"], "T-2", "10.00", purchase=sale(member["id"], "T-2")), 201)
    assert first["amount"] == "10.00"
    second = ok(pay(tenant, member["id"], "T-2", "99999", purchase=sale(member["id"], "T-2")), 201)
    assert second["amount"] == "27.00"
    assert balance(tenant, member["id"]) == 63
    nothing_left = pay(tenant, member["id"], "T-2", "1.00", purchase=sale(member["id"], "T-2"))
    assert nothing_left.status_code == 409 and nothing_left.json()["error"]["code"] == "payments_exceed_total"
    assert balance(tenant, member["id"]) == 63
    confirmed = ok(
        tenant.client.post(
            "/v1/purchases",
            headers=tenant.pos,
            json=sale(member["id"], "T-2", payments=[{"mop": "points", "amount": "37.00"}]),
        ),
        201,
    )
    assert confirmed["total"] == "37.00" and Decimal(confirmed["points_paid"]) == 37


def test_the_cap_counts_loyalty_discounts(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    benefit = ok(
        tenant.client.post(
            "/v1/benefits",
            headers=tenant.admin,
            json={"name": "Free popcorn", "kind": "free_item", "items": {"codes": ["POPCORN"]}, "max_units": 1},
        ),
        201,
    )
    asset = ok(
        tenant.client.post(
            f"/v1/members/{member['id']}/benefits", headers=tenant.admin, json={"benefit_id": benefit["id"]}
        ),
        201,
    )
    # The till may leave member_id out of the sale it sends: the paying member's wallet counts all the same.
    body = sale(member["id"], "T-3", benefits=[asset["id"]]) | {"member_id": None}
    paid = ok(pay(tenant, member["id"], "T-3", "50.00", purchase=body), 201)
    assert paid["amount"] == "30.00"


def test_a_capped_payment_for_another_transaction_or_member_is_a_422_naming_the_field(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    other = pay(tenant, member["id"], "T-4", "5.00", purchase=sale(member["id"], "T-5"))
    assert other.status_code == 422 and other.json()["error"]["details"]["field"] == "purchase.transaction_id"
    stranger = pay(tenant, member["id"], "T-4", "5.00", purchase=sale(str(uuid.uuid4()), "T-4"))
    assert stranger.status_code == 422 and stranger.json()["error"]["details"]["field"] == "purchase.member_id"
    assert balance(tenant, member["id"]) == 100


def _recorded(db: Database, tenant: Tenant, transaction_id: str) -> dict[str, int]:
    business_id = uuid.UUID(tenant.business_id)

    def count(session: Any) -> dict[str, int]:
        purchases = session.scalar(
            select(func.count())
            .select_from(Purchase)
            .where(Purchase.business_id == business_id, Purchase.transaction_id == transaction_id)
        )
        linked = session.scalar(
            select(func.count())
            .select_from(PointsPayment)
            .where(PointsPayment.business_id == business_id, PointsPayment.purchase_id.is_not(None))
        )
        entries = session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.business_id == business_id)
        )
        return {"purchases": purchases, "linked_payments": linked, "ledger_entries": entries}

    with db.read() as session:
        return count(session)


def test_a_purchase_whose_listed_points_exceed_its_total_is_409_and_nothing_is_recorded(
    tenant: Tenant, db: Database
) -> None:
    member = member_with_points(tenant)
    before = _recorded(db, tenant, "T-6")
    body = sale(member["id"], "T-6", payments=[{"mop": "points", "amount": "60.00"}])
    refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "payments_exceed_total" and error["details"] == {"paid": "60.00", "total": "37.00"}
    assert _recorded(db, tenant, "T-6") == before
    assert balance(tenant, member["id"]) == 100


def test_a_purchase_whose_recorded_points_payments_exceed_its_total_is_409_and_keeps_nothing(
    tenant: Tenant, db: Database
) -> None:
    member = member_with_points(tenant)
    # Paid without the sale in hand (no cap), then the sale shrank: the confirmation refuses it.
    ok(pay(tenant, member["id"], "T-7", "40.00"), 201)
    before = _recorded(db, tenant, "T-7")
    refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(member["id"], "T-7"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payments_exceed_total"
    assert _recorded(db, tenant, "T-7") == before
    assert balance(tenant, member["id"]) == 60


def test_credit_and_points_together_may_not_exceed_the_total_in_any_spelling(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    body = sale(
        member["id"], "T-8", payments=[{"mop": " Points ", "amount": "30.00"}, {"mop": "CREDIT", "amount": "7.01"}]
    )
    refused = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payments_exceed_total"
    # Card pays whatever it likes (the till took the money): only what the member holds is capped.
    fine = sale(member["id"], "T-9", payments=[{"mop": "points", "amount": "37.00"}, {"mop": "card", "amount": "50"}])
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=fine), 201)


def test_a_capped_payment_whose_sale_has_too_many_decimals_names_the_field_inside_purchase(tenant: Tenant) -> None:
    member = member_with_points(tenant)
    body = sale(member["id"], "T-10")
    body["items"][0]["amount"] = "30.005"
    refused = pay(tenant, member["id"], "T-10", "5.00", purchase=body)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "purchase.items.0.amount"
    assert balance(tenant, member["id"]) == 100


def test_a_payment_without_a_tab_still_counts_in_its_confirmation(tenant: Tenant, db: Database) -> None:
    """A points payment recorded before sales had tabs has none: the confirmation finds it all the same (on
    PostgreSQL, the statement that waits on the tab also reads which payments the sale has)."""
    member = member_with_points(tenant)
    ok(pay(tenant, member["id"], "T-11", "12.00"), 201)
    business_id = uuid.UUID(tenant.business_id)
    db.write(
        lambda session: session.execute(
            delete(SaleTab).where(SaleTab.business_id == business_id, SaleTab.transaction_id == "T-11")
        )
    )
    confirmed = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(member["id"], "T-11")), 201)
    assert confirmed["points_paid"] == "12.00" and confirmed["payments"] == [{"mop": "points", "amount": "12.00"}]
    with db.read() as session:
        attached = session.scalar(
            select(PointsPayment.purchase_id).where(
                PointsPayment.business_id == business_id, PointsPayment.transaction_id == "T-11"
            )
        )
    assert str(attached) == confirmed["id"]
    assert balance(tenant, member["id"]) == 88


def test_a_second_payment_on_a_tab_counts_in_its_confirmation(tenant: Tenant) -> None:
    """With a tab, the confirmation reads the payments again after waiting on it: both payments count."""
    member = member_with_points(tenant)
    ok(pay(tenant, member["id"], "T-12", "5.00"), 201)
    ok(pay(tenant, member["id"], "T-12", "7.00"), 201)
    confirmed = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale(member["id"], "T-12")), 201)
    assert confirmed["points_paid"] == "12.00" and confirmed["payments"] == [{"mop": "points", "amount": "12.00"}]
