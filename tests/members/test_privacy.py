"""A till never sees a member's full phone number: not in members, identification, codes, errors or logs."""

from __future__ import annotations

import logging

import pytest

from loyalty import logs
from loyalty.db.engine import Database
from tests.conftest import Tenant
from tests.support.people import active_rule, adjust, benefit, register

SPELLINGS = ("791234567", "79 123 45 67", "079 123 45 67", "+41791234567")


def test_no_response_to_a_pos_key_carries_the_full_phone_number(
    tenant: Tenant, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    active_rule(
        db,
        tenant,
        trigger="code_used",
        conditions={"code": "HELLO"},
        actions=[{"type": "add_points", "mode": "fixed", "points": "5"}],
    )
    tenant.client.post("/v1/codes", json={"code": "HELLO", "effect": "trigger"}, headers=tenant.admin)
    coffee = benefit(tenant)
    caplog.set_level(logging.DEBUG, logger="loyalty")
    answers = []

    registered = tenant.client.post(
        "/v1/members",
        json={"phone": "079 123 45 67", "first_name": "Ada", "email": "ada@example.com", "member_number": "M-1"},
        headers=tenant.pos,
    )
    member_id = registered.json()["id"]
    answers.append(registered)
    adjust(tenant, member_id, "10")
    tenant.client.post(f"/v1/members/{member_id}/benefits", json={"benefit_id": coffee["id"]}, headers=tenant.admin)
    code = tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin).json()["code"]
    answers += [
        tenant.client.get(f"/v1/members/{member_id}", headers=tenant.pos),
        tenant.client.post("/v1/identify", json={"phone": "079 123 45 67"}, headers=tenant.pos),
        tenant.client.post("/v1/identify", json={"phone": "+41 79 123 45 67"}, headers=tenant.pos),
        tenant.client.post("/v1/identify", json={"email": "ada@example.com"}, headers=tenant.pos),
        tenant.client.post("/v1/identify", json={"member_number": "M-1"}, headers=tenant.pos),
        tenant.client.post("/v1/identify", json={"code": code}, headers=tenant.pos),
        tenant.client.get(f"/v1/members/{member_id}/history", headers=tenant.pos),
        tenant.client.get(f"/v1/members/{member_id}/benefits", headers=tenant.pos),
        tenant.client.post("/v1/codes/redeem", json={"code": "hello", "member_id": member_id}, headers=tenant.pos),
        tenant.client.post("/v1/members", json={"phone": "0791234567"}, headers=tenant.pos),  # 409
        tenant.client.post("/v1/members", json={"phone": "079 123 45 6"}, headers=tenant.pos),  # 422
        tenant.client.get("/v1/members", params={"q": "079 123 45 67"}, headers=tenant.pos),  # 403
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [201, 200, 200, 200, 200, 200, 200, 200, 200, 200, 409, 422, 403]
    for answer in answers:
        for spelling in SPELLINGS:
            assert spelling not in answer.text, (answer.request.url, spelling)
    assert answers[1].json()["phone"] == "+41 •• ••• •• 67"
    assert answers[1].json()["email"] == "a•••@example.com" and answers[1].json()["birthday"] is None
    formatter = logs.JsonFormatter()
    for record in caplog.records:
        line = formatter.format(record)
        for spelling in SPELLINGS:
            assert spelling not in line


def test_an_admin_key_sees_the_whole_number(tenant: Tenant) -> None:
    member = register(tenant, "079 123 45 67", key="pos")
    assert tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()["phone"] == "+41791234567"
