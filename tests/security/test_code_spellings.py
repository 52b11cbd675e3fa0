"""One promo code applies once per sale, whatever its spelling; a wallet entry too, whatever its id's spelling."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from loyalty.db.engine import Database
from loyalty.db.models import CodeUse, PromoCode
from tests.conftest import Tenant
from tests.support.people import benefit, register

SPELLINGS = ["FIVEOFF", "fiveoff", " FIVEOFF", "FiveOff ", "\tfiveOFF\n", "ＦＩＶＥＯＦＦ", *(["FIVEOFF"] * 14)]


def _sale(transaction_id: str, member_id: str, **extra: object) -> dict[str, object]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "MENU", "amount": "100.00"}],
        **extra,
    }


def test_twenty_spellings_of_one_shared_code_give_one_discount_and_one_use(tenant: Tenant, db: Database) -> None:
    five = benefit(tenant, name="5.00 off", discount={"amount": "5.00"})
    made = tenant.client.post("/v1/codes", json={"code": "FIVEOFF", "benefit_id": five["id"]}, headers=tenant.admin)
    assert made.status_code == 201, made.text
    ada = register(tenant)

    quote = tenant.client.post("/v1/quotes", json=_sale("T1", ada["id"], codes=SPELLINGS), headers=tenant.pos)
    assert quote.status_code == 200, quote.text
    assert quote.json()["discount_total"] == "5.00" and quote.json()["total"] == "95.00"

    bought = tenant.client.post("/v1/purchases", json=_sale("T1", ada["id"], codes=SPELLINGS), headers=tenant.pos)
    assert bought.status_code == 201, bought.text
    assert bought.json()["discount_total"] == "5.00" and bought.json()["codes_used"] == ["FIVEOFF"]
    with db.read() as session:
        code = session.scalar(select(PromoCode).where(PromoCode.id == uuid.UUID(made.json()["id"])))
        assert code is not None and code.uses == 1
        assert session.scalar(select(func.count()).where(CodeUse.code_id == code.id)) == 1


def test_one_wallet_entry_named_twice_in_other_spellings_discounts_once(tenant: Tenant) -> None:
    ada = register(tenant)
    five = benefit(tenant, name="5.00 off", discount={"amount": "5.00"})
    granted = tenant.client.post(
        f"/v1/members/{ada['id']}/benefits", json={"benefit_id": five["id"]}, headers=tenant.admin
    )
    assert granted.status_code == 201, granted.text
    asset = granted.json()["id"]
    spellings = [asset, asset.upper(), "{" + asset + "}", asset.replace("-", ""), f"urn:uuid:{asset}"]

    quote = tenant.client.post("/v1/quotes", json=_sale("T2", ada["id"], benefits=spellings), headers=tenant.pos)
    assert quote.status_code == 200, quote.text
    assert quote.json()["discount_total"] == "5.00"
    bought = tenant.client.post("/v1/purchases", json=_sale("T2", ada["id"], benefits=spellings), headers=tenant.pos)
    assert bought.status_code == 201, bought.text
    assert bought.json()["discount_total"] == "5.00" and bought.json()["redeemed"] == [asset]
