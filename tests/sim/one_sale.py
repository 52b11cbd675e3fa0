"""Many tills paying one 10.00 sale at once, with points or credit and the sale in hand (so each payment is capped
by what the sale still owes), run one statement at a time by scheduler 2; then, sometimes, the sale confirmed."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from fastapi import FastAPI

from loyalty.db.engine import Database
from loyalty.members import access
from tests.sim import checks, seams
from tests.sim.choices import Choices, chance, pick
from tests.sim.door import Answer, Door, Request
from tests.sim.faults import Attempt, Injector, plan
from tests.sim.oracle import Oracle
from tests.sim.statements import Scheduler, Till
from tests.sim.world import ok

SALE = {
    "transaction_id": "T-1",
    "items": [
        {"line_id": "1", "code": "COFFEE", "amount": "4.50"},
        {"line_id": "2", "code": "CAKE", "amount": "5.50"},
    ],
}
TOTAL = Decimal("10.00")
FAULT_PERCENT = 20


@dataclass
class Outcome:
    trace: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def report(self) -> str:
        return "\n".join([*self.failures, "history (each line: who passed which gate, or an answer):", *self.trace])


def run(choices: Choices, db: Database, app: FastAPI) -> Outcome:
    outcome = Outcome()
    door = Door(app)
    with seams.simulated(choices.seed) as clock, Injector(db, clock):
        seams.wipe(db)
        seams.clear_caches(app)
        made = db.write(lambda session: access.create_business(session, name="One sale", currency="CHF"))
        pos = made.pos_key
        facts = {"business_id": str(made.business.id), "terminal_id": str(made.terminal.id)}
        members = []
        for number in range(choices.integer(1, 2)):
            body = {"phone": f"+41 78 900 00 0{number}", "first_name": "Sim"}
            member = ok(door, Request("setup", "POST", "/v1/members", made.admin_key, body))["id"]
            gift = {"points": "100", "reason": "gift"}
            ok(door, Request("setup", "POST", f"/v1/members/{member}/adjustments", made.admin_key, gift))
            load = Request("setup", "POST", f"/v1/members/{member}/credit", pos, {"amount": "50.00"}, f"load-{member}")
            ok(door, load)
            members.append(member)
        tills = []
        for number in range(choices.integer(2, 4)):
            member = pick(choices, members)
            wallet = pick(choices, ["points", "credit"])
            sale = SALE | {"member_id": member}
            body = {"member_id": member, "transaction_id": "T-1", "wallet": wallet, "purchase": sale}
            body["amount"] = pick(choices, ["10.00", "6.00", "100.00"])
            key = f"pay-{number}"
            sold = facts | {"transaction_id": "T-1", "member": member, "wallet": wallet}
            requests = [Request("pay", "POST", "/v1/payments", pos, body, key, key, sold)]
            if chance(choices, 25):
                requests.append(Request("purchase", "POST", "/v1/purchases", pos, sale, None, "T-1", sold))
            tills.append(Till(number, requests, [plan(choices, FAULT_PERCENT) for _ in requests]))
        oracle = Oracle()
        oracle.quoted[(facts["terminal_id"], "T-1")] = TOTAL

        def after_answer(request: Request, answer: Answer, attempt: Attempt) -> None:
            oracle.observe(request, answer, attempt)
            outcome.failures.extend(checks.while_in_flight(db, oracle))

        scheduler = Scheduler(choices, door, db.url, tills)
        try:
            scheduler.run(after_answer)
        finally:
            outcome.trace = scheduler.trace
        outcome.failures += checks.after_step(db, oracle, None, 0, "")
    door.close()
    outcome.failures += oracle.failures
    return outcome
