"""Identifying a member at the till: short codes, QR payloads, phone, e-mail, member number, and the limits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.db.models import IdentificationCode
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.people import ADA_E164, member_key, phone, register


def issue(tenant: Tenant, member_id: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    answer = tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=headers or tenant.admin)
    assert answer.status_code == 201, answer.text
    issued: dict[str, str] = answer.json()
    return issued


def identify(tenant: Tenant, **body: str) -> tuple[int, dict[str, object]]:
    answer = tenant.client.post("/v1/identify", json=body, headers=tenant.pos)
    return answer.status_code, answer.json()


def test_a_member_gets_a_four_digit_code_and_a_qr_payload_for_five_minutes(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    before = datetime.now(UTC)
    issued = issue(tenant, member["id"], member_key(db, tenant, member["id"]))
    assert len(issued["code"]) == 4 and issued["code"].isdigit()
    assert len(issued["qr"]) >= 32  # 192 random bits, URL-safe base64
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(seconds=295) < expires - before < timedelta(seconds=305)


def test_the_code_and_qr_are_stored_only_as_hashes(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    issued = issue(tenant, member["id"])
    with db.read() as session:
        row = session.scalar(select(IdentificationCode).where(IdentificationCode.member_id == uuid.UUID(member["id"])))
    assert row is not None
    assert issued["code"] not in (row.code_hash, row.qr_hash) and issued["qr"] not in (row.code_hash, row.qr_hash)
    assert len(row.code_hash) == 64 and len(row.qr_hash) == 64


def test_the_code_length_follows_the_business_setting(tenant: Tenant) -> None:
    assert tenant.client.patch("/v1/business", json={"identification_code_length": 6}, headers=tenant.admin).is_success
    member = register(tenant)
    code = issue(tenant, member["id"])["code"]
    assert len(code) == 6
    status, found = identify(tenant, code=code)
    assert status == 200 and found["id"] == member["id"]


def test_a_cashier_identifies_a_member_by_code_once(tenant: Tenant) -> None:
    member = register(tenant, first_name="Ada")
    code = issue(tenant, member["id"])["code"]
    status, found = identify(tenant, code=code)
    assert status == 200
    assert found["id"] == member["id"] and found["phone"] == "+41 •• ••• •• 67"
    status, again = identify(tenant, code=code)
    assert status == 404 and again["error"]["code"] == "member_not_found"  # type: ignore[index]


def test_a_cashier_identifies_a_member_by_the_qr_payload_once(tenant: Tenant) -> None:
    member = register(tenant)
    qr = issue(tenant, member["id"])["qr"]
    assert identify(tenant, qr=qr)[0] == 200
    assert identify(tenant, qr=qr)[0] == 404


def test_using_the_code_also_spends_the_qr_shown_beside_it(tenant: Tenant) -> None:
    member = register(tenant)
    issued = issue(tenant, member["id"])
    assert identify(tenant, code=issued["code"])[0] == 200
    assert identify(tenant, qr=issued["qr"])[0] == 404


def test_a_new_code_replaces_the_previous_one(tenant: Tenant) -> None:
    member = register(tenant)
    first = issue(tenant, member["id"])
    second = issue(tenant, member["id"])
    assert identify(tenant, qr=first["qr"])[0] == 404
    assert identify(tenant, qr=second["qr"])[0] == 200


def test_an_expired_code_gets_the_same_answer_as_a_wrong_one(tenant: Tenant, db: Database) -> None:
    member = register(tenant)
    issued = issue(tenant, member["id"])
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.write(
        lambda session: session.execute(
            update(IdentificationCode)
            .where(IdentificationCode.member_id == uuid.UUID(member["id"]))
            .values(expires_at=past)
        )
    )
    expired = tenant.client.post("/v1/identify", json={"code": issued["code"]}, headers=tenant.pos)
    wrong = tenant.client.post("/v1/identify", json={"qr": "not-a-token"}, headers=tenant.pos)
    assert expired.status_code == wrong.status_code == 404
    assert expired.json() == wrong.json()


def test_an_expired_code_does_not_block_a_new_member_drawing_the_same_digits(tenant: Tenant, db: Database) -> None:
    # With 4 digits and 1 live slot left, every draw collides until the dead rows are cleared.
    tenant.client.patch("/v1/business", json={"identification_code_length": 4}, headers=tenant.admin)
    first = register(tenant)
    issue(tenant, first["id"])
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.write(lambda session: session.execute(update(IdentificationCode).values(expires_at=past)))
    second = register(tenant, phone(5))
    code = issue(tenant, second["id"])["code"]
    assert identify(tenant, code=code)[1]["id"] == second["id"]


def test_a_cashier_identifies_by_phone_email_or_member_number(tenant: Tenant) -> None:
    member = register(tenant, email="ada@example.com", member_number="M-7")
    for body in (
        {"phone": "079 123 45 67"},
        {"phone": ADA_E164},
        {"email": " ADA@example.com"},
        {"member_number": "M-7"},
    ):
        status, found = identify(tenant, **body)
        assert status == 200 and found["id"] == member["id"], body


def test_identify_takes_exactly_one_way_and_names_the_field(tenant: Tenant) -> None:
    status, answer = identify(tenant)
    assert status == 422 and answer["error"]["details"]["field"] == "body"  # type: ignore[index]
    status, answer = identify(tenant, phone="079 123 45 67", code="1234")
    assert status == 422 and answer["error"]["details"]["field"] == "code"  # type: ignore[index]
    status, answer = identify(tenant, code="  ")
    assert status == 422 and answer["error"]["details"]["field"] == "code"  # type: ignore[index]
    status, answer = identify(tenant, phone="12")
    assert status == 422 and answer["error"]["details"]["field"] == "phone"  # type: ignore[index]
    answer2 = tenant.client.post("/v1/identify", json={"name": "Ada"}, headers=tenant.pos)
    assert answer2.status_code == 422 and answer2.json()["error"]["details"]["field"] == "name"


def test_identify_is_for_tills_only(tenant: Tenant) -> None:
    assert tenant.client.post("/v1/identify", json={"code": "1234"}).status_code == 401
    assert tenant.client.post("/v1/identify", json={"code": "1234"}, headers=tenant.admin).status_code == 403


def test_a_code_is_asked_for_by_the_member_or_an_admin_only(tenant: Tenant, db: Database) -> None:
    ada = register(tenant)
    grace = register(tenant, phone(1))
    url = f"/v1/members/{ada['id']}/identification-code"
    assert tenant.client.post(url, headers=tenant.pos).status_code == 403
    assert tenant.client.post(url).status_code == 401
    answer = tenant.client.post(url, headers=member_key(db, tenant, grace["id"]))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "member_not_found"


def test_a_code_for_another_business_member_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = register(other_tenant)
    answer = tenant.client.post(f"/v1/members/{theirs['id']}/identification-code", headers=tenant.admin)
    assert answer.status_code == 404


def test_another_business_code_identifies_nobody_here(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = register(other_tenant)
    issued = issue(other_tenant, theirs["id"])
    assert identify(tenant, qr=issued["qr"])[0] == 404
    assert identify(tenant, phone="079 123 45 67")[0] == 404


def test_one_terminal_guessing_all_four_digit_codes_is_stopped_and_finds_nobody(tenant: Tenant) -> None:
    member = register(tenant)
    secret = issue(tenant, member["id"])["code"]
    # The real code is tried last: by then the till must be locked out, right code or not.
    guesses = [f"{number:04d}" for number in range(10_000) if f"{number:04d}" != secret] + [secret]
    answers: list[int] = []
    first_refusal = None
    for index, guess in enumerate(guesses):
        answer = tenant.client.post("/v1/identify", json={"code": guess}, headers=tenant.pos)
        answers.append(answer.status_code)
        if answer.status_code == 429:
            first_refusal = index
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["error"]["code"] == "too_many_attempts"
            break
    assert first_refusal == 20 and set(answers[:20]) == {404}
    # A good sample of the rest, the real code included: all refused, none identified.
    sample = [*guesses[first_refusal + 1 :: 97], secret]
    for guess in sample:
        answer = tenant.client.post("/v1/identify", json={"code": guess}, headers=tenant.pos)
        assert answer.status_code == 429, guess
        assert 0 < int(answer.headers["Retry-After"]) <= 600
    assert len(sample) > 100


def test_a_till_paused_for_codes_still_finds_members_by_phone(tenant: Tenant) -> None:
    register(tenant)
    for number in range(20):
        assert identify(tenant, code=f"{number:04d}")[0] in (200, 404)
    assert identify(tenant, code="9999")[0] == 429
    # Only guessable codes are paused: a phone is not a guess, and the customer at the till is served.
    answer = tenant.client.post("/v1/identify", json={"phone": "079 123 45 67"}, headers=tenant.pos)
    assert answer.status_code == 200


@pytest.fixture
def strict_client(db: Database) -> Iterator[TestClient]:
    """The app with tight limits: 3 failures per terminal, 5 per business, a 2-second window."""
    settings = Settings(
        database_url=db.url,
        identify_failures_per_terminal=3,
        identify_failures_per_business=5,
        identify_window_seconds=2,
    )
    with TestClient(create_app(settings, db=db), raise_server_exceptions=False) as client:
        yield client


def test_the_business_limit_stops_guessing_spread_over_many_tills(db: Database, strict_client: TestClient) -> None:
    shop = make_tenant(db, strict_client)
    keys = [shop.pos_key]
    for index in range(2):
        terminal = strict_client.post(
            "/v1/terminals", json={"name": f"Till {index + 2}", "branch_id": shop.branch_id}, headers=shop.admin
        ).json()
        made = strict_client.post(
            "/v1/api-keys", json={"kind": "pos", "terminal_id": terminal["id"]}, headers=shop.admin
        ).json()
        keys.append(made["key"])
    statuses = []
    for attempt in range(9):
        headers = {"Authorization": f"Bearer {keys[attempt % 3]}"}
        statuses.append(strict_client.post("/v1/identify", json={"code": "0000"}, headers=headers).status_code)
    assert statuses[:5] == [404] * 5 and set(statuses[5:]) == {429}
    refused = strict_client.post("/v1/identify", json={"code": "0000"}, headers={"Authorization": f"Bearer {keys[2]}"})
    assert refused.json()["error"]["details"]["scope"] == "business"


def test_failures_older_than_the_window_no_longer_count(db: Database, strict_client: TestClient) -> None:
    shop = make_tenant(db, strict_client)
    for _ in range(3):
        assert strict_client.post("/v1/identify", json={"code": "0000"}, headers=shop.pos).status_code == 404
    refused = strict_client.post("/v1/identify", json={"code": "0000"}, headers=shop.pos)
    assert refused.status_code == 429 and refused.json()["error"]["details"]["scope"] == "terminal"
    time.sleep(int(refused.headers["Retry-After"]) + 0.2)
    assert strict_client.post("/v1/identify", json={"code": "0000"}, headers=shop.pos).status_code == 404


def test_the_guessing_risk_warns_when_a_daily_hit_passes_one_percent(tenant: Tenant) -> None:
    quiet = tenant.client.get("/v1/identification/risk", headers=tenant.admin).json()
    assert quiet["live_codes"] == 0 and quiet["daily_chance"] == "0" and quiet["warning"] is None
    assert quiet["code_length"] == 4 and quiet["code_space"] == 10_000 and quiet["attempts_per_day"] == 28_800
    member = register(tenant)
    issue(tenant, member["id"])
    risky = tenant.client.get("/v1/identification/risk", headers=tenant.admin).json()
    assert risky["live_codes"] == 1 and risky["chance_per_attempt"] == "0.0001"
    assert risky["warning"] and "%" in risky["warning"]
    tenant.client.patch("/v1/business", json={"identification_code_length": 8}, headers=tenant.admin)
    issue(tenant, member["id"])
    calm = tenant.client.get("/v1/identification/risk", headers=tenant.admin).json()
    assert calm["live_codes"] == 1 and calm["warning"] is None
    assert tenant.client.get("/v1/identification/risk", headers=tenant.pos).status_code == 403
