"""Attacks on a sale, each written once and run through both doors: `/v1` and the Como API (`/api/v4`).

A guard that lived in one door's route let the other door walk past it. These tests try each attack as a till
would, through each door, and check the house refuses it the same way: failed promo codes are counted alike (and a
wrong code left on a sale is counted once, however often the till prices it again), points and credit payments on
one sale are capped together by what it still owes (16 tills at once), an idempotency key is bound to its request,
and abandoning a sale gives the credit it took back.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import CodeFailure, Member
from loyalty.settings import Settings
from tests.como.helpers import OPEN_TIME
from tests.conftest import Tenant, make_tenant
from tests.security.inprocess import serving
from tests.support.people import ADA_PHONE, adjust, register, verify

PER_TERMINAL, PER_BUSINESS = 20, 30
DOORS = ["v1", "como"]
TILLS = 16


@pytest.fixture
def shop(settings: Settings, db: Database) -> Iterator[Tenant]:
    limited = replace(settings, code_failures_per_terminal=PER_TERMINAL, code_failures_per_business=PER_BUSINESS)
    with TestClient(create_app(limited, db=db), raise_server_exceptions=False) as client:
        yield make_tenant(db, client)


def failures(db: Database, business_id: str) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(CodeFailure.business_id == uuid.UUID(business_id))) or 0)


# --- the doors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a door answered, in terms both doors share."""

    ok: bool
    code: str  # "" when ok; the /v1 error code, or the Como error code
    body: dict[str, Any]

    @property
    def too_many(self) -> bool:
        return self.code in ("too_many_attempts", "4290001")

    @property
    def conflict(self) -> bool:
        return self.code in ("idempotency_conflict", "4090001")


def _v1(response: httpx.Response) -> Answer:
    body = response.json()
    if response.status_code < 300:
        return Answer(True, "", body)
    return Answer(False, body["error"]["code"], body)


def _como(response: httpx.Response) -> Answer:
    assert response.status_code == 200, response.text
    body = response.json()
    if body["status"] == "ok":
        return Answer(True, "", body)
    return Answer(False, body["errors"][0]["code"], body)


class Door:
    """One door's way of sending a sale, a payment and a void. `client` may be a TestClient or an httpx.Client."""

    name: str

    def __init__(self, client: Any, pos_key: str) -> None:
        self.client = client
        self.pos_key = pos_key

    def quote(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        raise NotImplementedError

    def confirm(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        raise NotImplementedError

    def pay(self, txn: str, member: dict[str, Any], amount: str, *, wallet: str, key: str) -> Answer:
        """Pay `amount` of a 10.00 sale (the door is told the sale, so it caps by what it owes)."""
        raise NotImplementedError

    def paid(self, answer: Answer) -> Decimal:
        raise NotImplementedError

    def abandon(self, txn: str, payment_ids: list[str]) -> None:
        raise NotImplementedError


class V1(Door):
    name = "v1"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.pos_key}"}

    def _sale(self, txn: str, codes: list[str], member: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "transaction_id": txn,
            "member_id": member["id"] if member else None,
            "items": [{"line_id": "1", "amount": "10.00"}],
            "codes": codes,
        }

    def quote(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        return _v1(self.client.post("/v1/quotes", json=self._sale(txn, codes, member), headers=self.headers))

    def confirm(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        return _v1(self.client.post("/v1/purchases", json=self._sale(txn, codes, member), headers=self.headers))

    def pay(self, txn: str, member: dict[str, Any], amount: str, *, wallet: str, key: str) -> Answer:
        body = {
            "member_id": member["id"],
            "transaction_id": txn,
            "amount": amount,
            "wallet": wallet,
            "purchase": self._sale(txn, [], member),
        }
        return _v1(self.client.post("/v1/payments", json=body, headers=self.headers | {"Idempotency-Key": key}))

    def paid(self, answer: Answer) -> Decimal:
        return Decimal(answer.body["amount"])

    def abandon(self, txn: str, payment_ids: list[str]) -> None:
        for payment_id in payment_ids:
            assert self.client.post(f"/v1/payments/{payment_id}/cancel", headers=self.headers).status_code == 200


class Como(Door):
    """A Como till without X-Branch-Id / X-Pos-Id: the key's own terminal, the one `/v1` uses."""

    name = "como"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.pos_key}

    def _purchase(self, txn: str) -> dict[str, Any]:
        return {
            "transactionId": txn,
            "openTime": OPEN_TIME,
            "totalAmount": 1000,
            "items": [{"lineId": "1", "code": "ITEM", "quantity": 1, "netAmount": 1000}],
        }

    def _body(self, txn: str, codes: list[str], member: dict[str, Any] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"purchase": self._purchase(txn), "redeemAssets": [{"code": code} for code in codes]}
        if member is not None:
            body["customers"] = [{"commonExtId": member["id"]}]
        return body

    def quote(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        return _como(self.client.post("/api/v4/getBenefits", json=self._body(txn, codes, member), headers=self.headers))

    def confirm(self, txn: str, codes: list[str], member: dict[str, Any] | None = None) -> Answer:
        body = self._body(txn, codes, member)
        return _como(self.client.post("/api/v4/submitPurchase", json=body, headers=self.headers))

    def pay(self, txn: str, member: dict[str, Any], amount: str, *, wallet: str, key: str) -> Answer:
        # A Como payment draws from the business's payment wallet: points are paid through /v1 beside it.
        if wallet == "points":
            return V1(self.client, self.pos_key).pay(txn, member, amount, wallet=wallet, key=key)
        body = {
            "customer": {"commonExtId": member["id"]},
            "purchase": self._purchase(txn),
            "amount": int(Decimal(amount) * 100),
        }
        headers = self.headers | {"Idempotency-Key": key}
        return _como(self.client.post("/api/v4/payment", json=body, headers=headers))

    def paid(self, answer: Answer) -> Decimal:
        if "payments" not in answer.body:
            return Decimal(answer.body["amount"])  # a points payment through /v1
        return Decimal(-answer.body["payments"][0]["amount"]) / 100

    def abandon(self, txn: str, payment_ids: list[str]) -> None:
        answer = self.client.post("/api/v4/voidPurchase", json={"purchase": self._purchase(txn)}, headers=self.headers)
        assert _como(answer).ok


def door(name: str, client: Any, pos_key: str) -> Door:
    return V1(client, pos_key) if name == "v1" else Como(client, pos_key)


def with_credit_wallet(tenant: Tenant) -> None:
    """Como's `payment` then draws from stored credit."""
    changed = tenant.client.patch("/v1/business", headers=tenant.admin, json={"payment_wallet": "credit"})
    assert changed.status_code == 200, changed.text


def load_credit(tenant: Tenant, member: dict[str, Any], amount: str) -> None:
    loaded = tenant.client.post(
        f"/v1/members/{member['id']}/credit",
        json={"amount": amount},
        headers=tenant.pos | {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert loaded.status_code == 201, loaded.text


def balances(tenant: Tenant, member: dict[str, Any]) -> tuple[Decimal, Decimal]:
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    return Decimal(shown["points_balance"]), Decimal(shown["credit_balance"])


# --- code guessing --------------------------------------------------------------------------------


def guesses(start: int, count: int) -> list[str]:
    return [f"GUESS{index:06d}" for index in range(start, start + count)]


@pytest.mark.parametrize("step", ["quote", "confirm"])
@pytest.mark.parametrize("name", DOORS)
def test_wrong_codes_are_counted_alike_at_both_doors_and_stop_at_the_terminals_limit(
    shop: Tenant, db: Database, name: str, step: str
) -> None:
    till = door(name, shop.client, shop.pos_key)
    send: Callable[[str, list[str]], Answer] = till.quote if step == "quote" else till.confirm
    for n in range(4):
        answered = send(f"G-{n}", guesses(n * 5, 5))
        assert not answered.too_many
    assert failures(db, shop.business_id) == PER_TERMINAL  # 4 sales of 5 wrong codes: the limit, reached
    refused = send("G-9", ["ANYCODE"])
    assert refused.too_many
    assert failures(db, shop.business_id) == PER_TERMINAL  # never past it


@pytest.mark.parametrize("name", DOORS)
def test_a_wrong_code_left_on_a_sale_is_counted_once_however_often_it_is_priced_again(
    shop: Tenant, db: Database, name: str
) -> None:
    till = door(name, shop.client, shop.pos_key)
    for spelling in ["WRONG1", "wrong1", " Wrong1 "] * 5:
        assert till.quote("REQUOTED", [spelling]).ok
    assert failures(db, shop.business_id) == 1
    # Confirmed with it, the sale is refused (/v1), or recorded with the code declined (Como: the customer has paid),
    # and the code it already counted is not counted again.
    confirmed = till.confirm("REQUOTED", ["WRONG1"])
    assert confirmed.ok == (name == "como")
    assert failures(db, shop.business_id) == 1
    # A new wrong code on the same sale, or the same code on another sale, is a new guess.
    assert till.quote("REQUOTED", ["WRONG1", "WRONG2"]).ok
    assert till.quote("ANOTHER", ["WRONG1"]).ok
    assert failures(db, shop.business_id) == 3


# --- payments capped by the sale ------------------------------------------------------------------


@pytest.mark.parametrize("name", DOORS)
def test_points_and_credit_paid_by_sixteen_tills_at_once_never_exceed_what_the_sale_owes(
    settings: Settings, db: Database, name: str
) -> None:
    app = create_app(settings, db=db)
    with TestClient(app, raise_server_exceptions=False) as admin_client:
        tenant = make_tenant(db, admin_client)
        ada = register(tenant, ADA_PHONE)
        adjust(tenant, ada["id"], "100")
        load_credit(tenant, ada, "100.00")
        with_credit_wallet(tenant)
        # Part of the sale is paid with credit first; then sixteen tills pay all of it at once, points and credit.
        first = door(name, tenant.client, tenant.pos_key).pay("CAPPED", ada, "4.00", wallet="credit", key="first")
        assert first.ok
        paid: list[Decimal] = [Decimal("4.00")]
        refused: list[str] = []
        start = threading.Barrier(TILLS)
        lock = threading.Lock()
        with serving(app) as port:

            def till(n: int) -> None:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                    front = door(name, client, tenant.pos_key)
                    start.wait()
                    wallet = "points" if n % 2 else "credit"
                    answer = front.pay("CAPPED", ada, "10.00", wallet=wallet, key=f"till-{n}")
                    with lock:
                        if answer.ok:
                            paid.append(front.paid(answer))
                        else:
                            refused.append(answer.code)

            threads = [threading.Thread(target=till, args=(n,)) for n in range(TILLS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        points, credit = balances(tenant, ada)
    assert sum(paid) == Decimal("10.00"), (paid, refused)
    assert set(refused) <= {"payments_exceed_total", "4220001"}, refused
    assert (Decimal(100) - points) + (Decimal("100.00") - credit) == Decimal("10.00")
    assert verify(db.url).returncode == 0


@pytest.mark.parametrize("name", DOORS)
def test_payments_racing_the_confirmation_of_their_sale_are_part_of_it_or_refused(
    settings: Settings, db: Database, name: str
) -> None:
    app = create_app(settings, db=db)
    with TestClient(app, raise_server_exceptions=False) as admin_client:
        tenant = make_tenant(db, admin_client)
        ada = register(tenant, ADA_PHONE)
        adjust(tenant, ada["id"], "100")
        load_credit(tenant, ada, "100.00")
        with_credit_wallet(tenant)
        assert door(name, tenant.client, tenant.pos_key).pay("RACED", ada, "2.00", wallet="credit", key="first").ok
        paid: list[Decimal] = [Decimal("2.00")]
        confirmed: list[Answer] = []
        start = threading.Barrier(TILLS)
        lock = threading.Lock()
        with serving(app) as port:

            def till(n: int) -> None:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                    front = door(name, client, tenant.pos_key)
                    start.wait()
                    if n == TILLS // 2:
                        with lock:
                            confirmed.append(front.confirm("RACED", [], ada))
                        return
                    answer = front.pay("RACED", ada, "0.50", wallet="points" if n % 2 else "credit", key=f"r-{n}")
                    if answer.ok:
                        with lock:
                            paid.append(front.paid(answer))

            threads = [threading.Thread(target=till, args=(n,)) for n in range(TILLS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        [sale] = confirmed
        assert sale.ok, sale.body
        purchase_id = sale.body.get("id") or sale.body["confirmation"]
        shown = tenant.client.get(f"/v1/purchases/{purchase_id}", headers=tenant.pos).json()
        points, credit = balances(tenant, ada)
    # Every payment that went through belongs to the purchase: none paid for a sale already confirmed.
    in_purchase = sum(Decimal(p["amount"]) for p in shown["payments"] if p["mop"] in ("points", "credit"))
    assert in_purchase == sum(paid), (shown["payments"], paid)
    assert (Decimal(100) - points) + (Decimal("100.00") - credit) - Decimal(shown["points_earned"]) == sum(paid)


# --- idempotency keys -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOORS)
def test_an_idempotency_key_sent_again_for_another_member_or_amount_is_a_conflict(tenant: Tenant, name: str) -> None:
    ada, grace = register(tenant, ADA_PHONE), register(tenant, "+41 79 123 45 68")
    for member in (ada, grace):
        load_credit(tenant, member, "50.00")
    with_credit_wallet(tenant)
    till = door(name, tenant.client, tenant.pos_key)
    first = till.pay("KEYED", ada, "3.00", wallet="credit", key="pay-1")
    assert first.ok
    assert till.pay("KEYED", ada, "3.00", wallet="credit", key="pay-1").body == first.body  # a retry: the first
    assert till.pay("KEYED", grace, "3.00", wallet="credit", key="pay-1").conflict  # another member
    assert till.pay("KEYED", ada, "4.00", wallet="credit", key="pay-1").conflict  # another amount
    assert balances(tenant, ada)[1] == Decimal("47.00") and balances(tenant, grace)[1] == Decimal("50.00")


# --- abandoning a sale ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOORS)
def test_abandoning_a_sale_gives_its_credit_payments_back(tenant: Tenant, name: str) -> None:
    ada = register(tenant, ADA_PHONE)
    load_credit(tenant, ada, "20.00")
    with_credit_wallet(tenant)
    till = door(name, tenant.client, tenant.pos_key)
    made = [till.pay("GIVEN-UP", ada, amount, wallet="credit", key=f"k-{amount}") for amount in ("3.00", "4.00")]
    assert all(answer.ok for answer in made)
    assert balances(tenant, ada)[1] == Decimal("13.00")
    ids = [answer.body.get("id") or answer.body.get("confirmation") for answer in made]
    till.abandon("GIVEN-UP", [str(payment_id) for payment_id in ids])
    assert balances(tenant, ada)[1] == Decimal("20.00")


# --- members who may not buy ----------------------------------------------------------------------


def set_status(db: Database, member: dict[str, Any], status: str) -> None:
    """Blocked by the business, or pending (joined through the app, contact not yet proven)."""

    def work(session: Any) -> None:
        found = session.get(Member, uuid.UUID(member["id"]))
        found.status = status

    db.write(work)


@pytest.mark.parametrize("status", ["blocked", "pending"])
@pytest.mark.parametrize("name", DOORS)
def test_a_blocked_or_pending_member_neither_buys_nor_pays_at_either_door(
    tenant: Tenant, db: Database, name: str, status: str
) -> None:
    ada = register(tenant, ADA_PHONE)
    adjust(tenant, ada["id"], "50")
    load_credit(tenant, ada, "20.00")
    with_credit_wallet(tenant)
    set_status(db, ada, status)
    till = door(name, tenant.client, tenant.pos_key)
    assert not till.quote("HELD", [], ada).ok
    assert not till.confirm("HELD", [], ada).ok
    assert not till.pay("HELD", ada, "5.00", wallet="credit", key="held-1").ok
    assert balances(tenant, ada) == (Decimal(50), Decimal("20.00"))
