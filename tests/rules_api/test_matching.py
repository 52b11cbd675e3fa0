"""Names match whatever their case and surrounding spaces, at the till as in the engine: departments, item codes
and tags, means of payment, member tags; and a tag removed in another spelling is removed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Tenant
from tests.rules_api.helpers import create, register


def purchase(tenant: Tenant, member_id: str, transaction_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "transaction_id": transaction_id,
        "member_id": member_id,
        "items": [{"line_id": "1", "code": "milk ", "department": " dairy", "tags": ["Organic"], "amount": "10.00"}],
        "payments": [{"mop": "Cash", "amount": "6.00"}, {"mop": " POINTS", "amount": "4.00"}],
        **changes,
    }
    answer = tenant.client.post("/v1/purchases", headers=tenant.pos, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_department_typed_dairy_earns_on_lines_sent_as_dairy(tenant: Tenant) -> None:
    create(
        tenant,
        {
            "name": "Dairy",
            "trigger": "purchase",
            "status": "active",
            "conditions": {"member_tags": ["vip"], "contains": {"codes": ["MILK"]}},
            "actions": [
                {
                    "type": "add_points",
                    "mode": "rate",
                    "points": "1",
                    "per": "1.00",
                    "items": {"departments": ["Dairy"]},
                    "exclude_mops": "points",
                },
                {"type": "add_points", "mode": "repeat", "points": "3", "items": {"tags": ["ORGANIC"]}},
            ],
        },
    )
    member = register(tenant, "+41795550901", tags=["VIP"])
    answer = purchase(tenant, member["id"], "M-1")
    # 6.00 of 10.00 paid otherwise than with points → 6 points, and 3 for the organic item.
    assert Decimal(answer["points_earned"]) == 9


def test_a_tag_removed_in_another_spelling_is_removed_and_one_added_twice_is_kept_once(tenant: Tenant) -> None:
    create(
        tenant,
        {
            "name": "Graduate",
            "trigger": "purchase",
            "status": "active",
            "actions": [{"type": "untag_member", "tag": "student "}, {"type": "tag_member", "tag": "vip"}],
        },
    )
    member = register(tenant, "+41795550902", tags=["Student", "VIP"])
    purchase(tenant, member["id"], "M-2")
    shown = tenant.client.get(f"/v1/members/{member['id']}", headers=tenant.admin).json()
    assert shown["tags"] == ["VIP"]
