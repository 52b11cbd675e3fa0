"""A scanned QR in any identifier field: the Swift SDK sends a scan as `commonExtId` or `phoneNumber` (only
4-character scans go as `appClientId`), other tills as `temporaryToken` or `email`. A live payload identifies once,
wherever it is, and is kept for the sale at that till; another till cannot use it again."""

from __future__ import annotations

import pytest

from tests.como.helpers import ComoTill, ok, purchase, shop
from tests.conftest import Tenant

GETMEMBER = "getMemberDetails?returnAssets=active&expand=assets.redeemable"


@pytest.mark.parametrize("field", ["appClientId", "temporaryToken", "commonExtId", "phoneNumber", "email"])
def test_a_qr_payload_identifies_in_any_field_once(tenant: Tenant, field: str) -> None:
    made = shop(tenant)
    member_id = made["member"]["id"]
    till = ComoTill(tenant.client, tenant.pos_key, extra={"X-Source-Type": "App"})
    issued = ok(tenant.client.post(f"/v1/members/{member_id}/identification-code", headers=tenant.admin), 201)
    scanned = {field: issued["qr"]}
    assert till.post(GETMEMBER, {"customer": scanned})["membership"]["commonExtId"] == member_id
    # The rest of the sale at this till names the member by the same scan.
    quoted = till.post("getBenefits", {"customers": [scanned], "purchase": purchase("QR-1"), "redeemAssets": []})
    assert quoted["status"] == "ok"
    done = till.post("submitPurchase", {"customers": [scanned], "purchase": purchase("QR-1")})
    assert done["memberNotes"][0]["content"].startswith("+")  # the member earned
    # Spent: another till is refused, and so is /v1.
    assert till.other("2").refused(GETMEMBER, {"customer": scanned})["code"] == "4001012"
    assert tenant.client.post("/v1/identify", headers=tenant.pos, json={"qr": issued["qr"]}).status_code == 404


def test_a_dead_qr_in_a_phone_field_is_not_found_and_not_a_counted_guess(tenant: Tenant) -> None:
    shop(tenant)
    till = ComoTill(tenant.client, tenant.pos_key)
    dead = "A" * 32
    for _ in range(25):  # more than a till's failed identifications allow
        assert till.refused(GETMEMBER, {"customer": {"commonExtId": dead}})["code"] == "4001012"
    assert till.post(GETMEMBER, {"customer": {"phoneNumber": "079 555 03 03"}})["status"] == "ok"
