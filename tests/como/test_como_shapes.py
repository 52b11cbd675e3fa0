"""Every answer of a whole Como sale passes the shape rules the public clients rely on: string codes, integer
amounts, dates without fractions of a second, no `null` where a client crashes on it, and the keys each call has."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.como.helpers import PHONE, ComoTill, ok, printed_code, purchase, shop
from tests.conftest import Tenant

MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGERS = {
    "sum", "discount", "unitDiscount", "monetary", "nonMonetary", "amount", "netAmount", "totalDiscountsSum",
    "quantity", "discountedQuantity",
}  # fmt: skip
MOMENTS = {"createdOn", "validFrom", "validUntil"}
STRINGS = {"code", "message", "confirmation", "commonExtId", "key", "name", "status", "type", "lineId", "content"}
NULLABLE = {"description", "image"}  # asset keys the clients read as optional
ALWAYS = {  # the keys a call's answer must carry (a client reads them without a default)
    "getMemberDetails": {"membership", "memberNotes"},
    "getBenefits": {"deals", "redeemAssets", "totalDiscountsSum"},
    "submitPurchase": {"confirmation", "memberNotes"},
    "payment": {"payments", "confirmation", "type", "updatedBalance"},
    "cancelPayment": {"type", "updatedBalance"},
}


def problems(value: Any, path: str = "") -> list[str]:
    """Every place in an answer that breaks a shape rule."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else key
            if inner is None:
                if key not in NULLABLE:
                    found.append(f"{where} is null")
                continue
            if key in INTEGERS and (not isinstance(inner, int) or isinstance(inner, bool)):
                found.append(f"{where} is {inner!r}, not an integer")
            if key in MOMENTS and not (isinstance(inner, str) and MOMENT.match(inner)):
                found.append(f"{where} is {inner!r}, not YYYY-MM-DDTHH:MM:SSZ")
            if key == "birthday" and not (isinstance(inner, str) and DAY.match(inner)):
                found.append(f"{where} is {inner!r}, not YYYY-MM-DD")
            if key in STRINGS and not isinstance(inner, str):
                found.append(f"{where} is {inner!r}, not a string")
            if key in ("redeemable", "usedByPayment", "allowSMS", "allowEmail", "termsOfUse") and not isinstance(
                inner, bool
            ):
                found.append(f"{where} is {inner!r}, not a boolean")
            found += problems(inner, where)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            if inner is None:
                found.append(f"{path}.{index} is null")
            found += problems(inner, f"{path}.{index}")
    return found


class Recorder(ComoTill):
    answers: list[tuple[str, dict[str, Any]]]

    def raw(self, call: str, body: Any) -> dict[str, Any]:
        answer = ok(self.client.post(f"/api/v4/{call}", headers=self.headers, json=body))
        self.answers.append((call.split("?")[0], answer))
        return answer

    def post(self, call: str, body: Any) -> dict[str, Any]:
        answer = self.raw(call, body)
        assert answer["status"] == "ok", answer
        return answer

    def refused(self, call: str, body: Any) -> dict[str, Any]:
        answer = self.raw(call, body)
        assert answer["status"] == "error", answer
        return dict(answer["errors"][0])


def test_every_answer_of_a_whole_sale_keeps_the_shape_rules(tenant: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    made = shop(tenant)
    ok(
        tenant.client.post(
            f"/v1/members/{made['member']['id']}/benefits",
            headers=tenant.admin,
            json={"benefit_id": made["asset"]["benefit_id"]},
        ),
        201,
    )
    ok(
        tenant.client.patch(
            f"/v1/members/{made['member']['id']}", headers=tenant.admin, json={"birthday": "1990-02-03"}
        )
    )
    ok(tenant.client.patch("/v1/business", headers=tenant.admin, json={"payment_verification": True}))
    till = Recorder(tenant.client, tenant.pos_key)
    till.answers = []
    customer = {"phoneNumber": PHONE}
    till.post("advanced/registration/quick", {"customer": {"phoneNumber": "079 333 44 55", "firstName": "Bo"}})
    till.post("getMemberDetails?returnAssets=active&expand=assets.redeemable", {"customer": customer})
    till.post("getMemberDetails", {"customer": customer, "purchase": purchase("S-1")})
    till.post(
        "getBenefits?expand=discountByDiscount",
        {
            "customers": [customer],
            "purchase": purchase("S-1"),
            "redeemAssets": [{"key": made["asset"]["id"]}, {"code": "SUMMER10"}, {"code": "NOPE"}, {"key": "nope"}],
        },
    )
    till.post("getBenefits", {"purchase": purchase("S-1")})
    till.post("submitPurchase?status=open", {"customers": [customer], "purchase": purchase("S-1")})
    capsys.readouterr()
    till.refused("payment", {"customer": customer, "purchase": purchase("S-1"), "amount": 333})
    code = printed_code(capsys)
    paid = till.post(
        "payment", {"customer": customer, "purchase": purchase("S-1"), "amount": 333, "verificationCode": code}
    )
    till.post("cancelPayment", {"confirmation": paid["confirmation"]})
    done = till.post(
        "submitPurchase", {"customers": [customer], "purchase": purchase("S-1"), "redeemAssets": [{"code": "SUMMER10"}]}
    )
    till.post(
        "submitPurchase", {"customers": [customer], "purchase": purchase("S-1"), "redeemAssets": [{"code": "SUMMER10"}]}
    )
    till.refused("submitPurchase", {"customers": [customer], "purchase": purchase("S-1")})
    till.post("cancelPurchase", {"confirmation": done["confirmation"]})
    till.refused("getMemberDetails", {"customer": {"phoneNumber": "079 555 09 09"}})
    till.refused("getBenefits", {"purchase": {"items": [{"lineId": "1", "netAmount": 1.5}]}})

    calls = set()
    for call, answer in till.answers:
        calls.add(call)
        assert problems(answer) == [], (call, answer)
        if answer["status"] == "ok":
            missing = ALWAYS.get(call, set()) - set(answer)
            assert not missing, (call, missing)
        else:
            assert set(answer) == {"status", "errors"} and answer["errors"][0]["code"].isdigit()
    assert calls >= set(ALWAYS)


def test_the_checker_finds_what_crashes_a_client() -> None:
    assert problems({"memberNotes": None}) == ["memberNotes is null"]
    assert problems({"sum": -1.5, "createdOn": "2026-05-02T12:30:00.123Z", "code": 4001012}) == [
        "sum is -1.5, not an integer",
        "createdOn is '2026-05-02T12:30:00.123Z', not YYYY-MM-DDTHH:MM:SSZ",
        "code is 4001012, not a string",
    ]
    assert problems({"assets": [{"description": None, "image": None, "redeemable": True}]}) == []
