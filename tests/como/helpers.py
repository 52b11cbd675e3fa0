"""A Como till for tests: the headers and bodies the public clients send (revosystems/como-laravel-sdk's Api.php and
models, revosystems/comosdk's Api.swift and Purchase.swift), written out here as they appear on the wire."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Tenant

PHONE = "079 555 03 03"
# A till sends its sale's own time: `openTime` dates the purchase (within 30 days, as /v1's occurred_at), so the
# clients' fixtures' years-old dates are replaced by a minute ago (`open_time()`: now, for a sale that uses what was
# granted a moment ago; rounded up to the second, as Como's times have no fractions).
OPEN_TIME = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


_opened: dict[str, str] = {}


def open_time() -> str:
    return (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@dataclass
class ComoTill:
    """Posts as the PHP client does: `X-Branch-id` / `X-Pos-id` spelled as it spells them, the key in X-Api-Key."""

    client: TestClient
    key: str
    branch: str | None = "test"
    pos: str | None = "1"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        found = {
            "Content-Type": "application/json",
            "X-Api-Key": self.key,
            "X-Source-Type": "app",
            "X-Source-Name": "test_app",
            "X-Source-Version": "1.0",
            **self.extra,
        }
        if self.branch is not None:
            found["X-Branch-id"] = self.branch
        if self.pos is not None:
            found["X-Pos-id"] = self.pos
        return found

    def post(self, call: str, body: Any) -> dict[str, Any]:
        """A call that must succeed: HTTP 200 and status ok."""
        answer = ok(self.client.post(f"/api/v4/{call}", headers=self.headers, json=body))
        assert answer["status"] == "ok", answer
        return answer

    def refused(self, call: str, body: Any) -> dict[str, Any]:
        """A call that must be refused the Como way: HTTP 200, status error, one error with string code and message."""
        answer = ok(self.client.post(f"/api/v4/{call}", headers=self.headers, json=body))
        assert answer["status"] == "error", answer
        error = answer["errors"][0]
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
        return dict(error)

    def other(self, pos: str) -> ComoTill:
        return ComoTill(self.client, self.key, self.branch, pos, dict(self.extra))


def line(line_id: str, code: str, department: str, quantity: int, cents: int, **extra: Any) -> dict[str, Any]:
    """A PurchaseLine as both clients send it."""
    return {
        "lineId": line_id,
        "code": code,
        "name": code.title(),
        "departmentCode": department,
        "departmentName": department.title(),
        "quantity": quantity,
        "grossAmount": cents,
        "netAmount": cents,
        **extra,
    }


def purchase(transaction_id: str, *, items: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A Purchase as the PHP client's toArray() sends it (empty values left out)."""
    lines = items if items is not None else basket()
    body: dict[str, Any] = {
        "openTime": _opened.setdefault(transaction_id, open_time()),  # one ticket, one time: a resend is the same
        "totalAmount": sum(item["netAmount"] for item in lines),
        "orderType": "dineIn",
        "items": lines,
        "employee": "test",
        "transactionId": transaction_id,
    }
    body.update(extra)
    return body


def basket() -> list[dict[str, Any]]:
    """Two tickets, a popcorn and a beer: 40.00."""
    return [
        line("1", "TICKET", "tickets", 2, 3000),
        line("2", "POPCORN", "snacks", 1, 600),
        line("3", "BEER", "bar", 1, 400, tags=["alcohol"]),
    ]


def printed_code(capsys: pytest.CaptureFixture[str]) -> str:
    """The code the console notifier printed (the development notifier: the member's phone in tests)."""
    found = re.findall(r"login code .*: (\d+)", capsys.readouterr().err)
    assert found, "no code was sent"
    return str(found[-1])


def shop(tenant: Tenant) -> dict[str, Any]:
    """A cinema bar: 10% back in points on everything but alcohol and points payments; a free popcorn in Ada's
    wallet, free nachos (not on this basket), a 10%-off code; Ada starts with 20 points."""
    client, admin = tenant.client, tenant.admin
    ok(
        client.post(
            "/v1/rules",
            headers=admin,
            json={
                "name": "10% back",
                "trigger": "purchase",
                "status": "active",
                "actions": [
                    {
                        "type": "add_points",
                        "mode": "percent",
                        "percent": "10",
                        "exclude_items": {"tags": ["alcohol"]},
                        "exclude_mops": ["points"],
                    }
                ],
            },
        ),
        201,
    )
    popcorn = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "Free popcorn", "kind": "free_item", "items": {"codes": ["POPCORN"]}, "max_units": 1},
        ),
        201,
    )
    nachos = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "Free nachos", "kind": "free_item", "items": {"codes": ["NACHOS"]}, "max_units": 1},
        ),
        201,
    )
    tenth = ok(
        client.post(
            "/v1/benefits",
            headers=admin,
            json={"name": "10% off", "kind": "discount", "discount": {"percent": "10", "max": "20.00"}},
        ),
        201,
    )
    ok(
        client.post(
            "/v1/codes",
            headers=admin,
            json={"code": "SUMMER10", "benefit_id": tenth["id"], "max_uses": 100, "max_uses_per_member": 1},
        ),
        201,
    )
    member = ok(
        client.post(
            "/v1/members",
            headers=admin,
            json={"phone": PHONE, "first_name": "Ada", "email": "ada@example.org", "member_number": "M-7"},
        ),
        201,
    )
    asset = ok(
        client.post(f"/v1/members/{member['id']}/benefits", headers=admin, json={"benefit_id": popcorn["id"]}), 201
    )
    other = ok(
        client.post(f"/v1/members/{member['id']}/benefits", headers=admin, json={"benefit_id": nachos["id"]}), 201
    )
    ok(
        client.post(
            f"/v1/members/{member['id']}/adjustments", headers=admin, json={"points": "20", "reason": "welcome gift"}
        ),
        201,
    )
    return {"member": member, "asset": asset, "nachos": other}
