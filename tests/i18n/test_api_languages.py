"""The API in four languages: explanations and the member's history follow Accept-Language (else the business's
language) with the locale's numbers; texts to a member go in the member's language; error messages stay English."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalty.api.app import create_app
from loyalty.db.engine import Database
from loyalty.messages import notify
from loyalty.settings import Settings
from tests.conftest import Tenant, make_tenant
from tests.support.people import ADA_PHONE, member_key, register

PERCENT = {"type": "add_points", "mode": "percent", "percent": "10", "items": {"departments": ["tix"]}}
# The same sale's explanation in each language, its numbers written as a Swiss business's locale writes them.
SAID = {
    "en": "10% of 1'234.50 on tix = 123.45",
    "fr": "10 % de 1'234,50 sur tix = 123,45",
    "de": "10 % von 1'234.50 auf tix = 123.45",
    "it": "10% di 1'234.50 su tix = 123.45",
}
EARNED_LABEL = {"en": "Points earned", "fr": "Points gagnés", "de": "Punkte gesammelt", "it": "Punti guadagnati"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def cinema(tenant: Tenant) -> dict[str, Any]:
    client = tenant.client
    body = {"name": "Cinéma", "trigger": "purchase", "status": "active", "actions": [PERCENT]}
    ok(client.post("/v1/rules", headers=tenant.admin, json=body), 201)
    return register(tenant, first_name="Ada")


def basket(member_id: str, transaction_id: str) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "FILM", "department": "tix", "quantity": "1", "amount": "1234.50"}],
        "payments": [{"mop": "cash", "amount": "1234.50"}],
    }


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
def test_a_quote_and_a_purchase_explain_in_the_language_asked_with_its_numbers(tenant: Tenant, language: str) -> None:
    member = cinema(tenant)
    asked = {**tenant.pos, "Accept-Language": f"{language}-CH,{language};q=0.9"}
    quote = ok(tenant.client.post("/v1/quotes", headers=asked, json=basket(member["id"], "Q-1")))
    assert [award["explanation"] for award in quote["earned"]] == [SAID[language]]
    bought = ok(tenant.client.post("/v1/purchases", headers=asked, json=basket(member["id"], "T-1")), 201)
    assert [award["explanation"] for award in bought["earned"]] == [SAID[language]]
    assert bought["points_earned"] == "123.45"  # the data stays data: decimal strings, whatever the language


def test_without_accept_language_the_business_s_language_is_spoken(tenant: Tenant) -> None:
    member = cinema(tenant)
    changed = ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"language": "fr"}))
    assert changed["language"] == "fr"
    quote = ok(tenant.client.post("/v1/quotes", headers=tenant.pos, json=basket(member["id"], "Q-1")))
    assert quote["earned"][0]["explanation"] == SAID["fr"]
    # A language the house does not speak asked for: the business's again.
    spanish = {**tenant.pos, "Accept-Language": "es-ES"}
    quote = ok(tenant.client.post("/v1/quotes", headers=spanish, json=basket(member["id"], "Q-2")))
    assert quote["earned"][0]["explanation"] == SAID["fr"]


@pytest.mark.parametrize("language", ["fr", "de", "it"])
def test_the_member_s_history_labels_and_details_follow_the_language(
    db: Database, tenant: Tenant, language: str
) -> None:
    member = cinema(tenant)
    ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=basket(member["id"], "T-1")), 201)
    reason = {"points": "-3", "reason": "Korrektur an der Kasse"}
    ok(tenant.client.post(f"/v1/members/{member['id']}/adjustments", headers=tenant.admin, json=reason), 201)
    headers = {**member_key(db, tenant, member["id"]), "Accept-Language": language}
    history = ok(tenant.client.get("/v1/me/history", headers=headers))["items"]
    correction, earned = history
    assert earned["label"] == "Cinéma"  # the rule's name, as the marketer wrote it
    assert earned["detail"] == SAID[language]
    assert earned["points"] == "123.45"
    assert correction["label"] == {"fr": "Correction", "de": "Korrektur", "it": "Correzione"}[language]
    assert correction["detail"] == "Korrektur an der Kasse"  # what a person typed stays as typed
    english = ok(tenant.client.get("/v1/me/history", headers=member_key(db, tenant, member["id"])))["items"]
    assert english[1]["detail"] == SAID["en"] and english[0]["label"] == "Correction"


def test_a_cancelled_purchase_reads_in_the_language(db: Database, tenant: Tenant) -> None:
    member = cinema(tenant)
    bought = ok(tenant.client.post("/v1/purchases", headers=tenant.pos, json=basket(member["id"], "T-1")), 201)
    ok(tenant.client.post(f"/v1/purchases/{bought['id']}/cancel", headers=tenant.pos))
    headers = {**member_key(db, tenant, member["id"]), "Accept-Language": "de-CH"}
    taken_back = ok(tenant.client.get("/v1/me/history", headers=headers))["items"][0]
    assert taken_back["label"] == "Punkte zurückgenommen" and taken_back["detail"] == "Kauf storniert"


def test_the_member_s_language_is_set_by_staff_and_by_the_member_and_checked(db: Database, tenant: Tenant) -> None:
    member = register(tenant)
    assert member["language"] is None  # the business's
    path = f"/v1/members/{member['id']}"
    assert ok(tenant.client.patch(path, headers=tenant.pos, json={"language": "it"}))["language"] == "it"
    refused = tenant.client.patch(path, headers=tenant.admin, json={"language": "es"})
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "language"
    own = member_key(db, tenant, member["id"])
    assert ok(tenant.client.patch("/v1/me", headers=own, json={"language": "de"}))["language"] == "de"
    assert ok(tenant.client.get(path, headers=tenant.admin))["language"] == "de"
    wrong = tenant.client.patch("/v1/me", headers=own, json={"language": "klingon"})
    assert wrong.status_code == 422 and wrong.json()["error"]["details"]["field"] == "language"
    assert ok(tenant.client.patch("/v1/me", headers=own, json={"language": None}))["language"] is None


def test_a_business_language_outside_the_four_is_a_422_naming_it(tenant: Tenant) -> None:
    refused = tenant.client.patch("/v1/business", headers=tenant.admin, json={"language": "rm"})
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "language"
    assert ok(tenant.client.get("/v1/business", headers=tenant.admin))["language"] == "en"


def test_error_messages_of_the_api_stay_english_whatever_the_language_asked(tenant: Tenant) -> None:
    french = {**tenant.pos, "Accept-Language": "fr-CH"}
    refused = tenant.client.post("/v1/quotes", headers=french, json={"transaction_id": "Q", "items": "nope"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] and error["message"].isascii() and "items" in error["message"]


@pytest.fixture
def outbox_shop(settings: Settings, db: Database, tmp_path: Path) -> Iterator[tuple[Tenant, Path]]:
    path = tmp_path / "outbox.jsonl"
    app = create_app(settings, db=db)
    app.state.notifier = notify.FileOutbox(path)  # development's outbox: one JSON line per message, with its text
    with TestClient(app, raise_server_exceptions=False) as client:
        yield make_tenant(db, client), path


@pytest.mark.parametrize(
    "language, words",
    [
        ("fr", "est votre code de connexion Test shop. Valable une seule fois, pendant 10 minutes."),
        ("de", "ist Ihr Anmeldecode für Test shop. Er gilt einmal, 10 Minuten lang."),
        ("it", "è il suo codice di accesso Test shop. Vale una sola volta, per 10 minuti."),
        (None, "is your Test shop login code. It works once, for 10 minutes."),
    ],
)
def test_a_login_code_is_written_in_the_member_s_language(outbox_shop, language: str | None, words: str) -> None:
    shop, outbox = outbox_shop
    member = register(shop, email="ada@example.com")
    if language:
        ok(shop.client.patch(f"/v1/members/{member['id']}", headers=shop.admin, json={"language": language}))
    # Asked in English from a browser: the text still goes in the member's own language.
    asked = shop.client.post(
        f"/v1/app/{shop.business_id}/login", json={"phone": ADA_PHONE}, headers={"Accept-Language": "en"}
    )
    assert asked.status_code == 202
    sent = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert len(sent) == 1 and sent[0]["channel"] == "sms"
    assert sent[0]["text"] == f"{sent[0]['code']} {words}"
    assert sent[0]["language"] == (language or "en")


def test_the_business_language_is_the_default_for_members_who_chose_none(outbox_shop) -> None:
    shop, outbox = outbox_shop
    ok(shop.client.patch("/v1/business", headers=shop.admin, json={"language": "it"}))
    register(shop)
    assert shop.client.post(f"/v1/app/{shop.business_id}/login", json={"phone": ADA_PHONE}).status_code == 202
    sent = json.loads(outbox.read_text().splitlines()[-1])
    assert sent["language"] == "it"
    assert "è il suo codice di accesso Test shop" in sent["text"] and "Vale una sola volta" in sent["text"]
