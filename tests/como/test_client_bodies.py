"""The bodies the public Como clients send, written out as their own tests and models produce them
(revosystems/como-laravel-sdk: tests/Features/ApiTest.php, tests/Unit/Models/PurchaseTest.php, src/Api.php,
src/Models/RegistrationData.php; revosystems/comosdk: ComoSdk/src/Api/Models/Purchase.swift), sent to loyalty by a
Spanish till as those tests configure it. Each is understood: an answer or a business refusal, never 4000001."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalty.db.engine import Database
from loyalty.members import access
from tests.como.helpers import OPEN_TIME, ComoTill

PHP_PHONE = "654654654"
# PurchaseTest.php, 'can have tags': every field of Purchase and PurchaseLine.
PHP_PURCHASE = {
    "openTime": OPEN_TIME,
    "totalAmount": 2000,
    "orderType": "dineIn",
    "items": [
        {
            "lineId": "some-line-id",
            "code": "code",
            "name": "line name",
            "departmentCode": "department-code",
            "departmentName": "department name",
            "quantity": 1,
            "grossAmount": 2000,
            "netAmount": 2000,
        }
    ],
    "employee": "test",
    "totalGeneralDiscount": 1000,
    "transactionId": "some-cool-uuid",
    "relatedTransaction": "some-not-cool-uuid",
    "meansOfPayment": [{"type": "type", "amount": 1000}],
    "tags": ["midday", "menu"],
}
# PurchaseTest.php, 'excludes empty values when converting into an array'.
PHP_BARE_PURCHASE = {
    "openTime": OPEN_TIME,
    "totalAmount": 2000,
    "orderType": "dineIn",
    "transactionId": "some-cool-uuid",
}
# Purchase.swift, Purchase.fake() with PurchaseLine.fake(), dates encoded .iso8601.
SWIFT_PURCHASE = {
    "openTime": OPEN_TIME,
    "transactionId": "4711",
    "totalAmount": 200,
    "orderType": "dineIn",
    "employee": "Jordi",
    "items": [
        {
            "lineId": "1",
            "code": "12",
            "name": "Item 1",
            "departmentCode": "1",
            "departmentName": "Category 1",
            "quantity": 1,
            "grossAmount": 100,
            "netAmount": 100,
        }
    ],
}


@pytest.fixture
def till(db: Database, app_client: TestClient) -> ComoTill:
    made = db.write(
        lambda session: access.create_business(session, name="Revo bar", country="ES", timezone="Europe/Madrid")
    )
    return ComoTill(app_client, made.pos_key, branch="test", pos="1")


def understood(till: ComoTill, call: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = till.client.post(f"/api/v4/{call}", headers=till.headers, json=body)
    assert answer.status_code == 200, answer.text
    found = dict(answer.json())
    if found["status"] == "error":
        assert found["errors"][0]["code"] != "4000001", found
    return found


def test_the_php_clients_bodies_are_understood(till: ComoTill) -> None:
    # Api::quickRegister(), as in 'can quick register users' and 'with full info'.
    first = understood(
        till, "advanced/registration/quick", {"customer": {"phoneNumber": PHP_PHONE}, "quickRegistrationCode": None}
    )
    assert first["status"] == "ok" and first["membership"]["phoneNumber"] == "+34 ••• •• •• 54"
    full = {"phoneNumber": "654654655", "email": "test@revo.works", "firstName": "Test"}
    assert (
        understood(till, "advanced/registration/quick", {"customer": full, "quickRegistrationCode": None})["status"]
        == "ok"
    )
    # Api::getMemberDetails() and Api::sendIdentificationCode().
    customer = {"phoneNumber": PHP_PHONE}
    details = understood(till, "getMemberDetails?returnAssets=active&expand=assets.redeemable", {"customer": customer})
    assert details["membership"]["status"] == "Active" and details["memberNotes"] == []
    assert understood(till, "advanced/sendIdentificationCode", {"customer": customer})["status"] == "ok"
    # Api::getBenefits() with no assets, Api::submitPurchase() open then closed, with and without customers.
    benefits = understood(
        till,
        "getBenefits?expand=discountByDiscount",
        {"customers": [customer], "purchase": PHP_PURCHASE, "redeemAssets": []},
    )
    assert benefits == {"status": "ok", "deals": [], "redeemAssets": [], "totalDiscountsSum": 0}
    bare = {**PHP_BARE_PURCHASE, "transactionId": "bare-1"}
    assert understood(till, "submitPurchase?status=open", {"customers": [customer], "purchase": bare})["status"] == "ok"
    paid = understood(
        till, "payment", {"customer": customer, "purchase": bare, "amount": 100, "verificationCode": None}
    )
    assert paid["status"] == "error" and paid["errors"][0]["cause"][0]["code"] == "insufficient_points"
    closed = understood(till, "submitPurchase", {"customers": [customer], "purchase": bare})
    assert closed["status"] == "ok" and closed["confirmation"]
    assert (
        understood(till, "submitPurchase", {"purchase": {**PHP_BARE_PURCHASE, "transactionId": "bare-2"}})["status"]
        == "ok"
    )
    # The full purchase names a related transaction nobody made: a return of nothing known, refused as not found.
    assert (
        understood(till, "submitPurchase", {"customers": [customer], "purchase": PHP_PURCHASE})["errors"][0]["code"]
        == "4040001"
    )
    # Api::cancelPurchase(), Api::voidPurchase(), Api::cancelPayment() with the tests' confirmations.
    assert understood(till, "cancelPurchase", {"confirmation": "test_confirmation"})["errors"][0]["code"] == "4040001"
    assert understood(till, "cancelPurchase", {"confirmation": closed["confirmation"]})["status"] == "ok"
    assert understood(till, "voidPurchase", {"purchase": bare})["status"] == "ok"
    assert understood(till, "cancelPayment", {"confirmation": "test_confirmation"})["errors"][0]["code"] == "4040001"
    # RegistrationData: camelCase keys, dates as d.m.Y, generic fields loyalty has no use for.
    registration = {
        "firstName": "Jane",
        "lastName": "Smith",
        "phoneNumber": "654654656",
        "email": "jane@email.com",
        "birthday": "03.03.1995",
        "gender": "female",
        "allowSMS": True,
        "allowEmail": True,
        "termsOfUse": True,
        "genericString1": "x",
        "genericDate1": "01.01.2020 10:00:00",
    }
    assert understood(till, "advanced/registerMember", {"registrationData": registration})["status"] == "ok"
    jane = understood(till, "getMemberDetails", {"customer": {"email": "jane@email.com"}})["membership"]
    assert (jane["firstName"], jane["birthday"], jane["allowSMS"]) == ("Jane", "1995-03-03", True)


def test_the_swift_clients_purchase_is_understood(till: ComoTill) -> None:
    swift = ComoTill(
        till.client,
        till.key,
        branch=None,
        pos=None,
        extra={"X-Branch-Id": "test", "X-Pos-Id": "1", "X-Source-Type": "App"},
    )
    understood(swift, "advanced/registration/quick", {"customer": {"phoneNumber": PHP_PHONE}})
    customer = {"phoneNumber": PHP_PHONE}
    quoted = understood(swift, "getBenefits", {"customers": [customer], "purchase": SWIFT_PURCHASE, "redeemAssets": []})
    assert quoted["totalDiscountsSum"] == 0
    first = understood(swift, "submitPurchase", {"customers": [customer], "purchase": SWIFT_PURCHASE})
    again = understood(swift, "submitPurchase", {"customers": [customer], "purchase": SWIFT_PURCHASE})
    assert first["confirmation"] == again["confirmation"]
