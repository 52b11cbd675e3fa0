"""A request id on every answer, every log line of the request and every error answer."""

from __future__ import annotations

import io
import json
import logging

from loyalty.logs import JsonFormatter
from tests.conftest import Tenant


def test_an_error_answer_names_its_request(tenant: Tenant) -> None:
    answer = tenant.client.get("/v1/members/00000000-0000-0000-0000-000000000000", headers=tenant.admin)
    assert answer.status_code == 404 and len(answer.headers["x-request-id"]) == 32
    again = tenant.client.get("/v1/members/00000000-0000-0000-0000-000000000000", headers=tenant.admin)
    assert again.headers["x-request-id"] != answer.headers["x-request-id"]
    assert again.content == answer.content  # the body stays the same: refusals that must look alike still do


def test_the_callers_id_is_kept_when_plain(tenant: Tenant) -> None:
    kept = tenant.client.get("/v1/health/live", headers={"X-Request-ID": "till-7.sale-42"})
    assert kept.headers["x-request-id"] == "till-7.sale-42"
    replaced = tenant.client.get("/v1/health/live", headers={"X-Request-ID": "no spaces or <tags> please"})
    assert replaced.headers["x-request-id"] != "no spaces or <tags> please"
    assert len(replaced.headers["x-request-id"]) == 32


def test_every_log_line_of_a_request_carries_its_id(tenant: Tenant) -> None:
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    access_log = logging.getLogger("loyalty.http")
    access_log.addHandler(handler)
    level = access_log.level
    access_log.setLevel(logging.INFO)
    try:
        answer = tenant.client.get("/v1/business", headers=tenant.admin | {"X-Request-ID": "abc123"})
    finally:
        access_log.removeHandler(handler)
        access_log.setLevel(level)
    assert answer.status_code == 200
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [line["request_id"] for line in logged if line.get("path") == "/v1/business"] == ["abc123"]
