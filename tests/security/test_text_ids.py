"""A till's transaction id is printable text: a NUL or a lone surrogate is a 422 naming the field at every write of
the sale, never a database error (PostgreSQL stores no NUL) and never a 503 that invites a retry."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Tenant

NOT_TEXT = ["T-\u0000", "T-\ud82c", "T-\u0007"]
JSON = {"Content-Type": "application/json"}


def sent(body: dict[str, object]) -> str:
    return json.dumps(body)  # escaped as JSON allows: a lone surrogate reaches the server as `\ud82c`


@pytest.mark.parametrize("transaction_id", NOT_TEXT)
def test_a_payment_with_an_id_that_is_not_text_is_refused_naming_it(tenant: Tenant, transaction_id: str) -> None:
    body = {"member_id": "bb731cf1-a3f0-43da-9cd7-8ba8d510b570", "transaction_id": transaction_id, "amount": "1.00"}
    answer = tenant.client.post(
        "/v1/payments", headers=tenant.headers(tenant.pos_key) | {"Idempotency-Key": "k-1"} | JSON, content=sent(body)
    )
    assert answer.status_code == 422, answer.text
    assert "transaction_id" in answer.text


@pytest.mark.parametrize("transaction_id", NOT_TEXT)
def test_a_purchase_with_an_id_that_is_not_text_is_refused_naming_it(tenant: Tenant, transaction_id: str) -> None:
    sale = {"transaction_id": transaction_id, "items": [{"line_id": "1", "code": "A", "quantity": 1, "amount": "5.00"}]}
    for path in ("/v1/quotes", "/v1/purchases"):
        answer = tenant.client.post(path, headers=tenant.headers(tenant.pos_key) | JSON, content=sent(sale))
        assert answer.status_code == 422, (path, answer.text)
        assert "transaction_id" in answer.text


# --- text that is not text, at every door (a lone surrogate was a 500, and some were stored) -------------------

BAD = ["\ud800", "\u0000"]


def rules_of(tenant: Tenant) -> list[object]:
    shown = tenant.client.get("/v1/rules", headers=tenant.admin).json()
    return list(shown["items"] if isinstance(shown, dict) else shown)


COMO = {"X-Branch-Id": "test", "X-Pos-Id": "1"}


def _v1_refused(answer: object, field: str) -> None:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    assert answer.json()["error"]["details"]["field"] == field, answer.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", BAD)
def test_a_rule_a_punch_card_and_a_means_of_payment_that_are_not_text_are_refused_and_not_stored(
    tenant: Tenant, bad: str
) -> None:
    admin = tenant.admin | JSON
    rule = {
        "name": f"Double {bad}",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}],
    }
    _v1_refused(tenant.client.post("/v1/rules", headers=admin, content=sent(rule)), "name")
    _v1_refused(tenant.client.post("/v1/rules", headers=tenant.admin, content=sent(rule)), "name")  # no Content-Type
    reward = tenant.client.post(
        "/v1/benefits", headers=tenant.admin, json={"name": "Coffee", "kind": "free_item", "items": {"codes": ["C"]}}
    ).json()
    card = {"name": f"Card {bad}", "punches_required": 5, "items": {"codes": ["C"]}, "reward_benefit_id": reward["id"]}
    _v1_refused(tenant.client.post("/v1/punch-cards", headers=admin, content=sent(card)), "name")
    means = {"means_of_payment": ["cash", f"card{bad}"]}
    _v1_refused(tenant.client.patch("/v1/business", headers=admin, content=sent(means)), "means_of_payment.1")
    sale = {"transaction_id": "T-1", "items": [{"line_id": "1", "code": f"A{bad}", "amount": "5.00"}]}
    _v1_refused(tenant.client.post("/v1/quotes", headers=tenant.pos | JSON, content=sent(sale)), "items.0.code")
    if bad == "\u0000":  # a query is UTF-8 on the wire: it can carry a NUL, never a lone surrogate
        _v1_refused(tenant.client.get("/v1/members?q=a%00", headers=tenant.admin), "q")
    # Nothing was stored, and what reads the business still answers.
    assert rules_of(tenant) == []
    assert tenant.client.get("/v1/punch-cards", headers=tenant.admin).json() in ([], {"items": []})
    business = tenant.client.get("/v1/business", headers=tenant.admin)
    assert business.status_code == 200 and all(bad not in name for name in business.json()["means_of_payment"])


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    "call",
    [
        (
            "advanced/registerMember",
            lambda bad: {"registrationData": {"PhoneNumber": "079 555 03 03", "FirstName": f"A{bad}"}},
            "registrationData.FirstName",
        ),
        ("getMemberDetails", lambda bad: {"customer": {"phoneNumber": f"079{bad}"}}, "customer.phoneNumber"),
        (
            "submitPurchase",
            lambda bad: {
                "purchase": {"transactionId": "T", "items": [{"lineId": "1", "name": f"x{bad}", "netAmount": 100}]}
            },
            "purchase.items.0.name",
        ),
        ("payment", lambda bad: {"purchase": {"transactionId": f"T{bad}"}, "amount": 100}, "purchase.transactionId"),
    ],
)
def test_a_como_field_that_is_not_text_is_its_4000001_naming_it(tenant: Tenant, bad: str, call: tuple) -> None:
    path, body, field = call
    answer = tenant.client.post(
        f"/api/v4/{path}", headers={"X-Api-Key": tenant.pos_key} | COMO | JSON, content=sent(body(bad))
    )
    assert answer.status_code == 200, answer.text
    (error,) = answer.json()["errors"]
    assert error["code"] == "4000001" and error["message"].startswith(f"{field}:"), error


def test_a_como_name_longer_than_its_column_is_a_4000001_not_a_retry(tenant: Tenant) -> None:
    """On PostgreSQL a 254-character name reached the database and came back a 503 "please retry"."""
    for name in ("FirstName", "LastName"):
        body = {"registrationData": {"PhoneNumber": "079 555 03 04", name: "n" * 254}}
        answer = tenant.client.post(
            "/api/v4/advanced/registerMember", headers={"X-Api-Key": tenant.pos_key} | COMO, json=body
        )
        assert answer.status_code == 200, answer.text
        (error,) = answer.json()["errors"]
        assert error["code"] == "4000001" and "at most 100" in error["message"], error
    search = tenant.client.get("/v1/members", headers=tenant.admin, params={"q": "nnnn"}).json()
    assert search["items"] == []


# --- amounts are plain ASCII decimals ------------------------------------------------------------------------

NOT_PLAIN = ["1_000", "\uff11\uff10", "1e3", "1E3", "0x10", "٣"]


@pytest.mark.parametrize("amount", NOT_PLAIN)
def test_an_amount_that_is_not_plain_digits_is_a_422_naming_it(tenant: Tenant, amount: str) -> None:
    sale = {"transaction_id": "T-1", "items": [{"line_id": "1", "code": "A", "amount": amount}]}
    _v1_refused(tenant.client.post("/v1/quotes", headers=tenant.pos | JSON, content=sent(sale)), "items.0.amount")
    rule = {
        "name": "Rule",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "fixed", "points": amount}],
    }
    refused = tenant.client.post("/v1/rules", headers=tenant.admin | JSON, content=sent(rule))
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "actions.0.points", (
        refused.text
    )
    benefit = {"name": "Off", "kind": "discount", "discount": {"amount": amount}}
    refused = tenant.client.post("/v1/benefits", headers=tenant.admin | JSON, content=sent(benefit))
    assert refused.status_code == 422 and "discount.amount" in refused.json()["error"]["details"]["field"], refused.text
    _v1_refused(tenant.client.patch("/v1/business", headers=tenant.admin, json={"point_value": amount}), "point_value")
    assert rules_of(tenant) == []


def test_plain_amounts_still_pass(tenant: Tenant) -> None:
    for amount in ("10", "10.50", " 10.5 ", ".5"):
        sale = {"transaction_id": "T-1", "items": [{"line_id": "1", "code": "A", "amount": amount}]}
        assert tenant.client.post("/v1/quotes", headers=tenant.pos, json=sale).status_code == 200, amount


# --- error answers have a bounded size ------------------------------------------------------------------------


def test_a_body_of_many_unknown_keys_gets_a_small_answer(tenant: Tenant) -> None:
    sale: dict[str, object] = {"transaction_id": "T-1", "items": [{"line_id": "1", "amount": "1.00"}]}
    sale |= {f"unknown_{index:06d}_" + "k" * 60: 1 for index in range(11_000)}  # about 870 KB
    body = json.dumps(sale)
    assert 800_000 < len(body) < 1_000_000
    answer = tenant.client.post("/v1/quotes", headers=tenant.pos | JSON, content=body)
    assert answer.status_code == 422
    print(f"a {len(body):,}-byte body of unknown keys: a {len(answer.content):,}-byte 422")
    assert len(answer.content) < 10_000, len(answer.content)
    shown = answer.json()["error"]["details"]
    assert len(shown["errors"]) == 20 and shown["errors_not_shown"] == 11_000 - 20
    long_key = {"transaction_id": "T-1", "items": [], "k" * 500_000: 1}
    answer = tenant.client.post("/v1/quotes", headers=tenant.pos | JSON, content=json.dumps(long_key))
    assert answer.status_code == 422 and len(answer.content) < 5_000


# --- the API's own pages carry the pages' headers -----------------------------------------------------------


def test_docs_and_redoc_carry_the_security_headers(tenant: Tenant) -> None:
    for path in ("/docs", "/redoc"):
        answer = tenant.client.get(path, follow_redirects=False)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "unsafe-inline" not in tenant.client.get("/docs").headers["content-security-policy"].split("script-src")[1]


# --- lengths are checked before the database (PostgreSQL refuses what is longer than its column) -------------


def _long_refused(answer: object) -> None:
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]


def test_texts_longer_than_their_columns_are_422_on_every_database(tenant: Tenant) -> None:
    long = "x" * 300
    rule = {"name": long, "trigger": "purchase", "actions": [{"type": "add_points", "mode": "fixed", "points": "1"}]}
    _long_refused(tenant.client.post("/v1/rules", headers=tenant.admin, json=rule))
    _long_refused(
        tenant.client.post(
            "/v1/benefits", headers=tenant.admin, json={"name": long, "kind": "free_item", "items": {"codes": ["C"]}}
        )
    )
    _long_refused(tenant.client.patch("/v1/business", headers=tenant.admin, json={"means_of_payment": ["cash", long]}))
    member = tenant.client.post(
        "/v1/members", headers=tenant.admin, json={"phone": "079 555 03 05", "first_name": long}
    )
    _long_refused(member)
    for field in ("line_id", "code", "name", "department"):
        item = {"line_id": "1", "code": "A", "amount": "5.00", field: long}
        sale = {"transaction_id": f"LONG-{field}", "items": [item]}
        _long_refused(tenant.client.post("/v1/purchases", headers=tenant.pos, json=sale))
    assert rules_of(tenant) == []
