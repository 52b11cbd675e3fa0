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
