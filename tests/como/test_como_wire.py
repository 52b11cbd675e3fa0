"""Como's wire for every answer under /api/v4: refusals no Como route made (a body over the limit, a Content-Length
that is no number, a path or method nobody serves) come in Como's envelope, and every call answers under
`advanced/` too, as older Swift SDK revisions call them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.como.helpers import PHONE, ComoTill, purchase, shop
from tests.conftest import Tenant


def como_refusal(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found = response.json()
    assert found["status"] == "error" and "error" not in found, found
    error = found["errors"][0]
    assert error["code"] == code and isinstance(error["message"], str) and error["message"], found
    return dict(error)


def test_a_body_over_the_limit_is_refused_in_comos_envelope(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    big = {"customer": {"phoneNumber": PHONE}, "padding": "x" * 1_100_000}
    error = como_refusal(tenant.client.post("/api/v4/getMemberDetails", headers=till.headers, json=big), 200, "4000001")
    assert "body" in error["message"] and "1,000,000" in error["message"]
    # Streamed without a Content-Length: counted as it comes, refused the same way.
    chunks = (b'{"padding": "' + b"x" * 100_000 for _ in range(12))
    streamed = tenant.client.post("/api/v4/getMemberDetails", headers=till.headers, content=chunks)
    como_refusal(streamed, 200, "4000001")
    # /v1 keeps its own envelope.
    v1 = tenant.client.post("/v1/identify", headers=tenant.headers(tenant.pos_key), json=big)
    assert v1.status_code == 413 and v1.json()["error"]["code"] == "request_too_large"


def test_a_content_length_that_is_no_number_is_refused_in_comos_envelope(tenant: Tenant) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    headers = {**till.headers, "Content-Length": "lots"}
    como_refusal(tenant.client.post("/api/v4/getMemberDetails", headers=headers, content=b"{}"), 200, "4000001")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v4/noSuchCall"), ("GET", "/api/v4"), ("POST", "/api/v4/"), ("HEAD", "/api/v4/getBenefits")],
)
def test_unknown_paths_and_methods_answer_in_comos_envelope(tenant: Tenant, method: str, path: str) -> None:
    till = ComoTill(tenant.client, tenant.pos_key)
    response = tenant.client.request(method, path, headers=till.headers, json={})
    assert response.status_code == 404
    if method != "HEAD":
        como_refusal(response, 404, "4040001")


def test_a_missing_key_on_an_unknown_path_is_still_comos_shape(tenant: Tenant) -> None:
    response = tenant.client.post("/api/v4", json={})
    assert response.json()["status"] == "error"


def test_every_call_answers_under_advanced_as_older_swift_clients_call_it(tenant: Tenant) -> None:
    made = shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key, extra={"X-Source-Type": "App"})
    customer = {"phoneNumber": PHONE}
    details = till.post("advanced/getMemberDetails?returnAssets=active", {"customer": customer})
    assert details["membership"]["commonExtId"] == made["member"]["id"]
    body = {"customers": [customer], "purchase": purchase("ADV-1"), "redeemAssets": [{"key": made["asset"]["id"]}]}
    quoted = till.post("advanced/getBenefits?expand=discountByDiscount", body)
    assert quoted["totalDiscountsSum"] == -600
    till.post("advanced/submitPurchase?status=open", {"customers": [customer], "purchase": purchase("ADV-1")})
    done = till.post("advanced/submitPurchase", body)
    till.post("advanced/cancelPurchase", {"confirmation": done["confirmation"]})
    till.post("advanced/voidPurchase", {"purchase": purchase("ADV-1")})
    till.post("advanced/submitEvent", {"customer": customer, "event": {"type": "visit"}})
    assert till.client.get("/api/v4/advanced/apiKey", headers=till.headers).json()["status"] == "ok"
    # And the advanced-only calls without the prefix.
    till.post("registerMember", {"registrationData": {"PhoneNumber": "079 444 55 66", "FirstName": "Lin"}})
    till.post("updateMember", {"customer": {"phoneNumber": "079 444 55 66"}, "registrationData": {"lastName": "Ma"}})
