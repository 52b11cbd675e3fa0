"""Scheduler 1: one request at a time, the seed choosing which till sends next and which statement of it fails;
every invariant checked after every step; at the end, faults off, every till retries until answered and every
balance is compared with what the answers said."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from fastapi import FastAPI

from loyalty.db.engine import Database
from tests.sim import checks, seams
from tests.sim.choices import Choices, pick
from tests.sim.door import Answer, Door, Request
from tests.sim.faults import ATTEMPT, Attempt, Fault, Injector, plan
from tests.sim.oracle import Oracle
from tests.sim.workload import Script, tills
from tests.sim.world import World, build

MAX_RETRIES_AT_THE_END = 20


@dataclass
class Till:
    script: Script
    pending: Request | None = None
    heard: Answer | None = None
    started: bool = False
    done: bool = False

    def next(self) -> Request | None:
        if self.pending is not None:
            return self.pending
        try:
            self.pending = self.script.send(self.heard) if self.started else next(self.script)
        except StopIteration:
            self.done = True
            return None
        self.started = True
        return self.pending


@dataclass
class Run:
    trace: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    steps: int = 0

    def report(self) -> str:
        return "\n".join([*self.failures, "history:", *self.trace])


def send(door: Door, till: int, request: Request, fault: Fault | None) -> tuple[Answer, Attempt]:
    attempt = Attempt(till, fault)
    token = ATTEMPT.set(attempt)
    try:
        return door.call(request), attempt
    finally:
        ATTEMPT.reset(token)


def run(choices: Choices, db: Database, app: FastAPI, *, steps: int, fault_percent: int) -> Run:
    result = Run()
    door = Door(app)
    with seams.simulated(choices.seed) as clock, Injector(db, clock):
        seams.wipe(db)
        seams.clear_caches(app)
        world = build(choices, db, door)
        oracle = Oracle()
        tills_ = [Till(script) for script in tills(choices, world)]
        for _ in range(steps):
            live = [index for index, till in enumerate(tills_) if not till.done and till.next() is not None]
            if not live or result.failures:
                break
            index = pick(choices, live)
            _step(choices, result, oracle, door, db, app, index, tills_[index], plan(choices, fault_percent))
        for index, till in enumerate(tills_):  # the end: faults off, every till heard
            for _ in range(MAX_RETRIES_AT_THE_END):
                if till.pending is None or result.failures:
                    break
                _step(choices, result, oracle, door, db, app, index, till, None)
            if till.pending is not None and not result.failures:
                result.failures.append(f"till {index} never answered without faults: {till.pending.describe()}")
        if not result.failures:
            result.failures += balances_as_answered(door, world, oracle)
    door.close()
    result.failures += oracle.failures
    return result


def _step(
    choices: Choices,
    result: Run,
    oracle: Oracle,
    door: Door,
    db: Database,
    app: FastAPI,
    index: int,
    till: Till,
    fault: Fault | None,
) -> None:
    request = till.pending
    assert request is not None
    answer, attempt = send(door, index, request, fault)
    result.steps += 1
    injected = f" ({attempt.fired})" if attempt.fired else ""
    result.trace.append(f"till {index}: {request.describe()}{injected} → {answer.status} {answer.text}")
    oracle.observe(request, answer, attempt)
    if answer.status != 503:
        till.pending, till.heard = None, answer
    if request.op == "quote" and answer.status == 200:
        seams.clear_caches(app)
        cold, _ = send(door, index, request, None)
        if cold.text != answer.text:
            result.failures.append(f"a quote changed once the caches were cleared: {answer.text} then {cold.text}")
    result.failures += checks.after_step(db, oracle, request, answer.status, answer.error)


def balances_as_answered(door: Door, world: World, oracle: Oracle) -> list[str]:
    problems = []
    for shop in world.shops:
        for member in shop.members:
            read = door.call(Request("read", "GET", f"/v1/members/{member}", shop.admin_key)).json()
            points = world.points[member] + oracle.points[member]
            credit = world.credit[member] + oracle.credit[member]
            if Decimal(read["points_balance"]) != points and member not in oracle.uncertain:
                problems.append(f"member {member} holds {read['points_balance']} points, the answers say {points}")
            if Decimal(read.get("credit_balance") or "0") != credit:
                problems.append(f"member {member} holds {read.get('credit_balance')} credit, the answers say {credit}")
    return problems
