"""What the tills do, drawn from the run's choices: each till is a script that sends one request at a time and reads
the answer before its next (a 503 is retried with the same keys by the driver, never seen by the script)."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import Any

from tests.sim.choices import Choices, chance, pick
from tests.sim.door import Answer, Request
from tests.sim.world import CATALOG, Shop, World

Script = Generator[Request, Answer, None]


def tills(choices: Choices, world: World) -> list[Script]:
    count = choices.integer(1, 4)
    return [sales(choices, world.shops[choices.integer(0, len(world.shops) - 1)], number) for number in range(count)]


def sale_body(choices: Choices, shop: Shop, transaction_id: str, member: str | None) -> dict[str, Any]:
    items = []
    for line in range(choices.integer(1, 3)):
        code, price, tags = pick(choices, CATALOG)
        quantity = choices.integer(1, 2)
        items.append(
            {"line_id": str(line + 1), "code": code, "quantity": quantity, "amount": str(Decimal(price) * quantity)}
        )
        items[-1] |= {"tags": tags} if tags else {}
    body: dict[str, Any] = {"transaction_id": transaction_id, "member_id": member, "items": items}
    if member in shop.assets and chance(choices, 30):
        body["benefits"] = [shop.assets[member]]
    if member is not None and chance(choices, 20):
        body["codes"] = [shop.code]
    return body


def sales(choices: Choices, shop: Shop, till: int) -> Script:
    pos = shop.pos_key
    facts = {"business_id": shop.business_id, "terminal_id": shop.terminal_id}
    for number in range(choices.integer(1, 3)):
        transaction_id = f"T{till}-{number}"
        member: str | None = pick(choices, [None, *shop.members])
        if member is not None and chance(choices, 10):
            amount = pick(choices, ["10.00", "25.00"])
            key = f"load-{transaction_id}"
            body = {"amount": amount}
            yield Request(
                "top_up", "POST", f"/v1/members/{member}/credit", pos, body, key, key, facts | {"member": member}
            )
        sale = sale_body(choices, shop, transaction_id, member)
        sold = facts | {"transaction_id": transaction_id, "member": member}
        yield Request("quote", "POST", "/v1/quotes", pos, sale, None, transaction_id, sold)
        if member is not None:
            yield from _payments(choices, pos, sale, sold)
        confirm = Request("purchase", "POST", "/v1/purchases", pos, sale, None, transaction_id, sold)
        answer = yield confirm
        if chance(choices, 25):
            yield confirm  # the till did not hear the answer: the same sale again
        if chance(choices, 10):
            other = sale | {"items": [*sale["items"], {"line_id": "9", "code": "CAKE", "amount": "5.50"}]}
            yield Request("purchase", "POST", "/v1/purchases", pos, other, None, transaction_id, sold)
        if answer.status == 201 and chance(choices, 20):
            purchase_id = answer.json()["id"]
            returned = {"return_id": f"R-{transaction_id}", "lines": [{"line_id": "1", "quantity": 1}]}
            path = f"/v1/purchases/{purchase_id}/returns"
            yield Request("return", "POST", path, pos, returned, None, f"R-{transaction_id}", sold)
        if answer.status == 201 and chance(choices, 15):
            path = f"/v1/purchases/{answer.json()['id']}/cancel"
            yield Request("cancel", "POST", path, pos, None, None, answer.json()["id"], sold)


def _payments(choices: Choices, pos: str, sale: dict[str, Any], sold: dict[str, Any]) -> Script:
    """Points or credit paying part of the sale, capped by it; sometimes sent twice, sometimes cancelled."""
    transaction_id = sale["transaction_id"]
    for number in range(choices.integer(0, 2)):
        wallet = pick(choices, ["points", "credit"])
        amount = pick(choices, ["2.00", "5.00", "100.00"])
        body = {"member_id": sale["member_id"], "transaction_id": transaction_id, "amount": amount, "wallet": wallet}
        body["purchase"] = sale
        key = f"{transaction_id}-pay{number}"
        pay = Request("pay", "POST", "/v1/payments", pos, body, key, key, sold | {"wallet": wallet})
        answer = yield pay
        if chance(choices, 20):
            yield pay
        if chance(choices, 10):
            other = body | {"transaction_id": "ELSEWHERE", "purchase": None}
            yield Request("pay", "POST", "/v1/payments", pos, other, key, key, sold | {"wallet": wallet})
        if answer.status == 201 and chance(choices, 15):
            path = f"/v1/payments/{answer.json()['id']}/cancel"
            yield Request("pay_cancel", "POST", path, pos, None, None, answer.json()["id"], sold)
