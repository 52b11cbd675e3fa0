"""Every statement of a whole sale names its business.

The house is meant to be sharded by business (Citus, with `business_id` as the distribution column): Citus sends a
statement to the one shard that holds a business only when the statement names that business in every table it
touches; otherwise it sends it to every shard, and a `SELECT … FOR UPDATE` that does not name it is refused
outright. No Citus is needed to keep that true: this test records every statement a whole sale flow sends, through
/v1, the Como API and the `loyalty` command in this process (about 800), and fails on each that does not name its
business (see `tests/support/business_scope.py` for what counts), printing it with the functions that sent it. It
runs on both databases: SQLite sends the same statements but for the row locks, which PostgreSQL's run checks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loyalty.api.app import create_app
from loyalty.cli import app as cli
from loyalty.db.engine import Database
from loyalty.db.models import Base
from loyalty.settings import Settings
from tests.como.helpers import OPEN_TIME
from tests.support.business_scope import Sent, Tables, problems, reads_only, recording

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns when it reads SAVEPOINT or SHOW as a bare command

# Tables without a business_id column, and why that is right.
NOT_OF_A_BUSINESS = {
    "business": "the business itself: its own id is the business id (`WHERE business.id = …` names it)",
    "alembic_version": "the schema's version: one row for the whole database, no business's data",
    "outbound_state": "the switch that holds outgoing messages after a restore: one row for the whole database",
}
KEYED_BY_ID = {"business"}

# Functions whose own statements read across businesses, by name, and why they must.
CROSS_BUSINESS = {
    # The expiry job serves every business in one run: it finds the lots due and the businesses that remind,
    # whichever business they belong to; what it then changes, it changes business by business.
    "loyalty.wallet.lots.expiry._expire_batch": "finds the lots due in every business",
    "loyalty.wallet.lots.expiry._release_batch": "finds the pending lots due in every business",
    "loyalty.wallet.lots.expiry._reminding_businesses": "finds the businesses that send expiry reminders",
    # A key this process has not seen yet: the bearer key is all the caller brings, so it is looked up by its
    # hash once; remembered (access.KeyCache), every later request's key check names the key's business.
    "loyalty.members.access.authenticate": "looks up a key not seen yet by its hash",
}

PHONE = "+41 79 555 27 06"


def business_tables() -> Tables:
    columns: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        if "business_id" in table.columns:
            columns[table.name] = "business_id"
        else:
            assert table.name in NOT_OF_A_BUSINESS, f"table {table.name} has no business_id: say why it needs none"
            if table.name in KEYED_BY_ID:
                columns[table.name] = "id"
    return Tables(columns)


class Shop:
    """One business's keys, and calls that fail the test on an unexpected status."""

    def __init__(self, client: TestClient, made: dict[str, str]) -> None:
        self.client = client
        self.admin = {"Authorization": f"Bearer {made['admin_key']}"}
        self.pos = {"Authorization": f"Bearer {made['pos_key']}"}

    def call(self, method: str, path: str, key: dict[str, str], status: int = 200, **kwargs: Any) -> Any:
        answer = self.client.request(method, path, headers=key | kwargs.pop("headers", {}), **kwargs)
        assert answer.status_code == status, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None


def command(url: str, *args: str) -> str:
    done = CliRunner().invoke(cli, list(args), env={"LOYALTY_DATABASE_URL": url}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture
def statements(fresh_database_url: str) -> Iterator[list[Sent]]:
    """The statements of a whole sale flow on a database of its own (the expiry run covers every business)."""
    db = Database(fresh_database_url)
    try:
        with (
            recording() as recorder,
            TestClient(create_app(Settings(database_url=db.url), db=db), raise_server_exceptions=False) as client,
        ):
            sale_flow(fresh_database_url, client)
        yield recorder.statements
    finally:
        db.dispose()


def sale_flow(url: str, client: TestClient) -> None:
    shop = Shop(client, json.loads(command(url, "business", "create", "Scope shop", "--currency", "CHF", "--json")))
    admin, pos = shop.admin, shop.pos
    shop.call(
        "PATCH",
        "/v1/business",
        admin,
        json={
            "points_expire_after_days": 30,
            "points_expiry_reminder_days": 7,
            "points_pending_days": 1,
            "credit_top_up_bonus": [{"from": "20.00", "bonus": "5.00"}],
        },
    )
    back = {"type": "add_points", "mode": "percent", "percent": "10", "exclude_mops": ["points", "credit"]}
    shop.call("POST", "/v1/rules", admin, 201, json={"name": "10% back", "trigger": "purchase", "actions": [back]})
    rules = shop.call("GET", "/v1/rules", admin)
    shop.call("POST", f"/v1/rules/{rules[0]['id']}/activate", admin)
    shop.call("PUT", "/v1/tiers", admin, json=[{"name": "Silver", "threshold": "5"}])
    popcorn = shop.call(
        "POST",
        "/v1/benefits",
        admin,
        201,
        json={"name": "Free popcorn", "kind": "free_item", "items": {"codes": ["POPCORN"]}},
    )
    tenth = shop.call(
        "POST", "/v1/benefits", admin, 201, json={"name": "10% off", "kind": "discount", "discount": {"percent": "10"}}
    )
    shop.call("POST", "/v1/codes", admin, 201, json={"code": "SUMMER10", "benefit_id": tenth["id"], "max_uses": 10})
    card = {"name": "Every 2nd ticket", "punches_required": 2, "items": {"codes": ["TICKET"]}}
    shop.call("POST", "/v1/punch-cards", admin, 201, json=card | {"reward_benefit_id": popcorn["id"]})

    member = shop.call("POST", "/v1/members", admin, 201, json={"phone": PHONE, "first_name": "Ada"})["id"]
    asset = shop.call("POST", f"/v1/members/{member}/benefits", admin, 201, json={"benefit_id": popcorn["id"]})["id"]
    shop.call("POST", f"/v1/members/{member}/adjustments", admin, 201, json={"points": "50", "reason": "welcome"})
    topped = {"headers": {"Idempotency-Key": "top-1"}, "json": {"amount": "20.00"}}
    shop.call("POST", f"/v1/members/{member}/credit", pos, 201, **topped)

    shop.call("POST", "/v1/identify", pos, json={"phone": PHONE})
    code = shop.call("POST", f"/v1/members/{member}/identification-code", admin, 201)["code"]
    shop.call("POST", "/v1/identify", pos, 404, json={"code": "0" * len(code) if code != "0" * len(code) else "1"})
    shop.call("POST", "/v1/identify", pos, json={"code": code})

    items = [
        {"line_id": "1", "code": "TICKET", "quantity": 2, "amount": "30.00"},
        {"line_id": "2", "code": "POPCORN", "quantity": 1, "amount": "6.00"},
    ]
    sale = {"transaction_id": "T-1", "member_id": member, "items": items, "benefits": [asset], "codes": ["SUMMER10"]}
    quoted = shop.call("POST", "/v1/quotes", pos, json=sale)
    owed = quoted["total"]
    points = {"member_id": member, "transaction_id": "T-1", "amount": "5.00", "purchase": sale}
    shop.call("POST", "/v1/payments", pos, 201, headers={"Idempotency-Key": "T-1-points"}, json=points)
    credit = points | {"amount": "4.00", "wallet": "credit"}
    shop.call("POST", "/v1/payments", pos, 201, headers={"Idempotency-Key": "T-1-credit"}, json=credit)
    cash = f"{float(owed) - 9:.2f}"
    paid = [{"mop": "cash", "amount": cash}, {"mop": "points", "amount": "5.00"}, {"mop": "credit", "amount": "4.00"}]
    confirmed = shop.call("POST", "/v1/purchases", pos, 201, json=sale | {"payments": paid})
    shop.call("POST", "/v1/purchases", pos, 200, json=sale | {"payments": paid})  # the retry gets the first answer
    returned = {"return_id": "R-1", "lines": [{"line_id": "1", "quantity": 1}]}
    shop.call("POST", f"/v1/purchases/{confirmed['id']}/returns", pos, 201, json=returned)

    second = {"transaction_id": "T-2", "member_id": member, "items": items[:1]}
    payment = shop.call(
        "POST",
        "/v1/payments",
        pos,
        201,
        headers={"Idempotency-Key": "T-2-points"},
        json=points | {"transaction_id": "T-2", "purchase": second},
    )
    assert [one["id"] for one in shop.call("GET", "/v1/payments", pos)] == [payment["id"]]  # left open, listed
    shop.call("GET", "/v1/purchases?transaction_id=t-1", pos)  # found in any capitals
    shop.call("POST", f"/v1/payments/{payment['id']}/cancel", pos)
    again = shop.call(
        "POST", "/v1/purchases", pos, 201, json=second | {"payments": [{"mop": "cash", "amount": "30.00"}]}
    )
    shop.call("POST", f"/v1/purchases/{again['id']}/cancel", pos)

    for path in (
        f"/v1/members/{member}",
        f"/v1/members/{member}/history",
        f"/v1/members/{member}/benefits",
        f"/v1/members/{member}/points/lots",
        f"/v1/members/{member}/punch-cards",
        f"/v1/members/{member}/credit",
        "/v1/purchases",
        f"/v1/purchases/{confirmed['id']}",
    ):
        shop.call("GET", path, pos if "/purchases" in path else admin)

    shop.call("POST", "/v1/codes", admin, 201, json={"code": "HELLO", "benefit_id": tenth["id"], "max_uses": 5})
    shop.call("POST", "/v1/codes/redeem", pos, json={"code": "HELLO", "member_id": member})
    shop.call("PATCH", f"/v1/benefits/{tenth['id']}", admin, json={"price_points": "2"})
    bought = {"headers": {"Idempotency-Key": "buy-1"}, "json": {"benefit_id": tenth["id"]}}
    wallet_entry = shop.call("POST", f"/v1/members/{member}/benefits/buy", pos, 201, **bought)
    shop.call("POST", f"/v1/members/{member}/benefits/{wallet_entry['id']}/deactivate", admin)
    como_sale(client, shop.pos["Authorization"].removeprefix("Bearer "), asset)

    later = (datetime.now(UTC) + timedelta(days=25)).isoformat()
    command(url, "expire", "--at", later)  # reminds: the points expire within the week
    command(url, "expire", "--at", (datetime.now(UTC) + timedelta(days=400)).isoformat())

    for path in (
        "/v1/reports/points",
        "/v1/reports/liability",
        "/v1/reports/rules",
        "/v1/identification/risk",
        "/v1/codes/guessing-risk",
        "/v1/members",
    ):
        shop.call("GET", path, admin)


def como_sale(client: TestClient, key: str, asset: str) -> None:
    """The same sale from a till that speaks Como: identify, quote, open, pay, confirm, return, void."""
    headers = {"X-Api-Key": key, "X-Branch-Id": "front", "X-Pos-Id": "1", "X-Source-Type": "pos"}

    def call(name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(f"/api/v4/{name}", headers=headers, json=body)
        assert answer.status_code == 200 and answer.json()["status"] == "ok", f"{name}: {answer.text}"
        return dict(answer.json())

    def purchase(transaction_id: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        total = sum(item["netAmount"] for item in items)
        body = {
            "openTime": OPEN_TIME,
            "totalAmount": total,
            "items": items,
            "transactionId": transaction_id,
        }
        return body | extra

    ticket = {"lineId": "1", "code": "TICKET", "departmentCode": "tickets", "quantity": 2}
    items = [ticket | {"grossAmount": 3000, "netAmount": 3000}]
    customer = {"phoneNumber": PHONE}
    call("getMemberDetails?returnAssets=active", {"customer": customer, "purchase": purchase("C-1", items)})
    redeem = [{"key": asset}, {"code": "SUMMER10"}, {"code": "NOPE"}]
    call("getBenefits", {"customers": [customer], "purchase": purchase("C-1", items), "redeemAssets": redeem})
    call("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("C-1", items)})
    paid = call("payment", {"customer": customer, "purchase": purchase("C-1", items), "amount": 300})
    extra = call("payment", {"customer": customer, "purchase": purchase("C-1", items), "amount": 100})
    call("cancelPayment", {"confirmation": extra["confirmation"]})
    means = [{"type": "memberPoints", "amount": 300}, {"type": "cash", "amount": 2700}]
    closed = {"customers": [customer], "purchase": purchase("C-1", items, meansOfPayment=means)}
    confirmed = call("submitPurchase", closed)
    assert paid["confirmation"] and confirmed["confirmation"]
    back = [ticket | {"quantity": -1, "grossAmount": -1500, "netAmount": -1500}]
    call("submitPurchase", {"customers": [customer], "purchase": purchase("C-2", back, relatedTransaction="C-1")})
    call("voidPurchase", {"purchase": purchase("C-1", items)})
    call("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("C-3", items)})
    call("voidPurchase", {"purchase": purchase("C-3", items)})


def test_every_statement_of_a_sale_names_its_business(statements: list[Sent]) -> None:
    tables = business_tables()
    offending, allowed_used = [], set()
    for sent in statements:
        found = problems(sent.sql, tables)
        if found and sent.sender in CROSS_BUSINESS and reads_only(sent.sql):
            allowed_used.add(sent.sender)  # a scan may read across businesses; it never locks or writes so
        elif found:
            offending.append(f"{'; '.join(found)}\n    from {' <- '.join(sent.origin[:4])}\n    {sent.sql}")
    distinct = sorted(set(offending))
    assert not distinct, f"{len(distinct)} statement(s) do not name their business:\n\n" + "\n\n".join(distinct)
    assert allowed_used == set(CROSS_BUSINESS), f"allowed to scan but never did: {set(CROSS_BUSINESS) - allowed_used}"
    assert len(statements) > 300  # the whole flow was recorded


def test_the_checker_tells_a_named_business_from_an_unnamed_one() -> None:
    tables = business_tables()
    named = [
        "SELECT member.id FROM member WHERE member.business_id = %(b)s AND member.id = %(id)s FOR UPDATE",
        "SELECT a.id FROM asset AS a JOIN member ON member.id = a.member_id AND member.business_id = a.business_id"
        " WHERE a.business_id = %(b)s",
        "UPDATE member SET tier=%(tier)s WHERE member.business_id = %(b)s AND member.id = %(id)s",
        "INSERT INTO asset (id, business_id, member_id) VALUES (%(id)s, %(b)s, %(m)s)",
        "SELECT business.name FROM business WHERE business.id = ?",
        "SELECT count(*) FROM (SELECT member.id FROM member WHERE member.business_id = ?) AS anon_1",
    ]
    unnamed = [
        "SELECT member.id FROM member WHERE member.id = %(id)s FOR UPDATE",
        "SELECT a.id FROM asset AS a JOIN member ON member.id = a.member_id WHERE a.business_id = %(b)s",
        "SELECT member.id FROM member WHERE member.business_id = %(b)s OR member.phone = %(p)s",
        "DELETE FROM asset WHERE asset.id = %(id)s",
        "INSERT INTO asset (id, member_id) VALUES (%(id)s, %(m)s)",
        "SELECT member.id FROM member WHERE member.business_id = %(b)s"
        " AND EXISTS (SELECT 1 FROM asset WHERE asset.member_id = member.id)",
    ]
    assert [sql for sql in named if problems(sql, tables)] == []
    assert [sql for sql in unnamed if not problems(sql, tables)] == []
