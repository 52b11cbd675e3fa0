"""The world a run sells in, drawn from its choices and built through the app's doors: businesses with a rule, a
benefit, a promo code and members holding points, credit and sometimes the benefit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loyalty.db.engine import Database
from loyalty.members import access
from tests.sim.choices import Choices, chance, pick
from tests.sim.door import Answer, Door, Request

# What the tills sell: code, price, tags.
CATALOG = (("COFFEE", "4.50", []), ("CAKE", "5.50", []), ("BEER", "7.00", ["alcohol"]), ("TICKET", "15.00", []))


@dataclass
class Shop:
    business_id: str
    terminal_id: str
    admin_key: str
    pos_key: str
    code: str
    members: list[str] = field(default_factory=list)
    assets: dict[str, str] = field(default_factory=dict)  # member → an unused benefit in the wallet


@dataclass
class World:
    shops: list[Shop]
    points: dict[str, Decimal]  # member → balance as built
    credit: dict[str, Decimal]


class SetupFailed(AssertionError):
    pass


def ok(door: Door, request: Request, status: int = 201) -> dict[str, Any]:
    """The answer of a setting-up request, which must succeed."""
    answer: Answer = door.call(request)
    if answer.status != status:
        raise SetupFailed(f"{request.describe()} → {answer.status} {answer.text}")
    body: dict[str, Any] = answer.json()
    return body


def build(choices: Choices, db: Database, door: Door) -> World:
    shops = [_shop(choices, db, door, number) for number in range(choices.integer(1, 2))]
    points: dict[str, Decimal] = {}
    credit: dict[str, Decimal] = {}
    for shop in shops:
        for member in shop.members:
            read = ok(door, Request("read", "GET", f"/v1/members/{member}", shop.admin_key), 200)
            points[member] = Decimal(read["points_balance"])
            credit[member] = Decimal(read.get("credit_balance") or "0")
    return World(shops, points, credit)


def _shop(choices: Choices, db: Database, door: Door, number: int) -> Shop:
    made = db.write(lambda session: access.create_business(session, name=f"Shop {number}", currency="CHF"))
    shop = Shop(str(made.business.id), str(made.terminal.id), made.admin_key, made.pos_key, code=f"SIM{number}")
    admin = made.admin_key
    percent = pick(choices, ["10", "5", "20"])
    rule = {
        "name": f"{percent}% back",
        "trigger": "purchase",
        "status": "active",
        "actions": [
            {
                "type": "add_points",
                "mode": "percent",
                "percent": percent,
                "exclude_items": {"tags": ["alcohol"]},
                "exclude_mops": ["points", "credit"],
            }
        ],
    }
    ok(door, Request("setup", "POST", "/v1/rules", admin, rule))
    benefit = {"name": "10% off", "kind": "discount", "discount": {"percent": "10", "max": "20.00"}}
    benefit_id = ok(door, Request("setup", "POST", "/v1/benefits", admin, benefit))["id"]
    code = {"code": shop.code, "benefit_id": benefit_id, "max_uses": choices.integer(1, 4), "max_uses_per_member": 1}
    ok(door, Request("setup", "POST", "/v1/codes", admin, code))
    for index in range(choices.integer(1, 3)):
        phone = f"+41 78 {number:03d} {index // 100:02d} {index % 100:02d}"
        member = ok(door, Request("setup", "POST", "/v1/members", admin, {"phone": phone, "first_name": "Sim"}))["id"]
        shop.members.append(member)
        points = pick(choices, ["0", "20", "100", "5"])
        if points != "0":
            gift = {"points": points, "reason": "gift"}
            ok(door, Request("setup", "POST", f"/v1/members/{member}/adjustments", admin, gift))
        loaded = pick(choices, ["0", "30.00", "8.00"])
        if loaded != "0":
            top_up = Request(
                "setup", "POST", f"/v1/members/{member}/credit", made.pos_key, {"amount": loaded}, f"load-{member}"
            )
            ok(door, top_up)
        if chance(choices, 50):
            given = ok(
                door, Request("setup", "POST", f"/v1/members/{member}/benefits", admin, {"benefit_id": benefit_id})
            )
            shop.assets[member] = given["id"]
    return shop
