"""How fast `evaluate` is: a 20-line basket against 10, 100 and 1,000 active rules, indexed or not, and the
till's sale of `benchmarks/pos.py` (3 lines, 2 rules), which is what every confirmed purchase pays.

Run: `PYTHONPATH=src python benchmarks/engine.py` (or with the package installed). Prints evaluations per
second, p50/p99 latency and the p99 of CPU time, each the median of several runs, for the RuleIndex and for a
plain list (a linear scan over every rule). The rule mix is meant to look like a real Campaign Center: most
rules select specific codes (85%), some departments (5%) or tags (5%), and a few apply to every sale (5%: a
bonus above a spend, a percent of the whole sale excluding points payments). Bounded to well under a minute.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

import till_sale

from loyalty.money import from_minor
from loyalty.rules import (
    Context,
    Line,
    Member,
    Payment,
    Purchase,
    Rule,
    RuleIndex,
    Trigger,
    evaluate,
    parse_rule,
)
from loyalty.rules.situation import Basket

RULE_COUNTS = (10, 100, 1_000)
LINES_PER_BASKET = 20
BASKETS = 64
RUNS = 5
SECONDS_PER_RUN = 0.6  # each run measures for about this long (at least MIN_EVALUATIONS evaluations)
MIN_EVALUATIONS = 30

CODES = [f"SKU{n:05d}" for n in range(3_000)]
DEPARTMENTS = [f"dept-{n}" for n in range(40)]
TAGS = [f"tag-{n}" for n in range(60)]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
AT = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
CONTEXT = Context(points_decimals=2)


def make_rules(count: int, rng: random.Random) -> list[Rule]:
    rules = []
    for number in range(count):
        roll = rng.random()
        if roll < 0.85:
            items: dict[str, list[str]] | None = {"codes": rng.sample(CODES, rng.randint(1, 5))}
        elif roll < 0.90:
            items = {"departments": [rng.choice(DEPARTMENTS)]}
        elif roll < 0.95:
            items = {"tags": [rng.choice(TAGS)]}
        else:
            items = None  # applies to the whole sale
        rules.append(parse_rule(_rule_body(number, items, rng), id=f"rule-{number:05d}", revision=1))
    return rules


def _rule_body(number: int, items: dict[str, list[str]] | None, rng: random.Random) -> dict[str, object]:
    body: dict[str, object] = {"name": f"rule {number}", "trigger": "purchase", "status": "active"}
    if items is None:
        if rng.random() < 0.5:
            body["conditions"] = {"min_spend": rng.choice(["20.00", "50.00", "100.00"])}
            body["actions"] = [{"type": "add_points", "mode": "fixed", "points": rng.choice(["5", "10"])}]
        else:
            body["conditions"] = {"weekdays": rng.sample(WEEKDAYS, 3)}
            one_percent = {"type": "add_points", "mode": "percent", "percent": "1", "exclude_mops": "points"}
            body["actions"] = [one_percent]
        return body
    mode = rng.choice(["rate", "rate", "percent", "repeat"])
    action: dict[str, object] = {"type": "add_points", "mode": mode, "items": items}
    if mode == "rate":
        action.update(points=rng.choice(["1", "2", "0.5"]), per=rng.choice(["1.00", "5.00"]))
    elif mode == "percent":
        action["percent"] = rng.choice(["2", "5", "10"])
    else:
        action.update(points=rng.choice(["5", "10"]), every=rng.choice(["1", "2"]))
    if mode != "repeat" and rng.random() < 0.5:
        action["exclude_mops"] = ["points"]
    if rng.random() < 0.2:
        action["exclude_items"] = {"tags": [rng.choice(TAGS)]}
    body["actions"] = [action]
    if rng.random() < 0.2:
        body["limits"] = {"per_member": 1, "period": "day"}
    if rng.random() < 0.1:
        body["conditions"] = {"member_tags": ["VIP"]}
    return body


# The sale and the rules `benchmarks/pos.py` confirms over HTTP.
TILL_RULES = till_sale.RULES
TILL_SALE = Purchase(
    transaction_id="T-till",
    lines=(
        Line(line_id="1", code="TICKET", department="tickets", quantity=Decimal(2), amount=Decimal("32.00")),
        Line(line_id="2", code="COLA", department="bar", amount=Decimal("4.50"), tags=("drink",)),
        Line(line_id="3", code="POPCORN", department="bar", amount=Decimal("7.00")),
    ),
    payments=(Payment(mop="card", amount=Decimal("43.50")),),
)


def make_basket(number: int, rng: random.Random) -> Purchase:
    lines = tuple(
        Line(
            line_id=str(index),
            code=rng.choice(CODES),
            department=rng.choice(DEPARTMENTS),
            tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
            quantity=Decimal(rng.randint(1, 4)),
            amount=from_minor(rng.randint(50, 5_000), 2),
        )
        for index in range(LINES_PER_BASKET)
    )
    total = sum((line.amount for line in lines), Decimal(0))
    by_points = from_minor(rng.randint(0, int(total * 100) // 4), 2)
    payments = (Payment(mop="card", amount=total - by_points), Payment(mop="points", amount=by_points))
    return Purchase(transaction_id=f"T-{number}", lines=lines, payments=payments, branch_id="b-1")


Figures = tuple[float, float, float, float]  # evaluations per second, p50 ms, p99 ms, CPU p99 ms


def measure(run_one: Callable[[Purchase], object], baskets: Sequence[Purchase]) -> Figures:
    """One run. Wall-clock latencies, plus the p99 of this thread's CPU time: on a shared machine the wall
    clock also counts the time other processes held the CPU, the CPU time does not."""
    gc.collect()
    wall: list[int] = []
    cpu: list[int] = []
    started = time.perf_counter()
    while len(wall) < MIN_EVALUATIONS or time.perf_counter() - started < SECONDS_PER_RUN:
        basket = baskets[len(wall) % len(baskets)]
        wall_before, cpu_before = time.perf_counter_ns(), time.thread_time_ns()
        run_one(basket)
        cpu.append(time.thread_time_ns() - cpu_before)
        wall.append(time.perf_counter_ns() - wall_before)
    elapsed = time.perf_counter() - started
    return len(wall) / elapsed, _percentile(wall, 0.50), _percentile(wall, 0.99), _percentile(cpu, 0.99)


def _percentile(nanoseconds: list[int], fraction: float) -> float:
    ordered = sorted(nanoseconds)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] / 1e6


def median_of_runs(run_one: Callable[[Purchase], object], baskets: Sequence[Purchase]) -> Figures:
    results = [measure(run_one, baskets) for _ in range(RUNS)]
    per_second, p50, p99, cpu_p99 = (statistics.median(column) for column in zip(*results, strict=True))
    return per_second, p50, p99, cpu_p99


def main() -> None:
    rng = random.Random(20240605)
    baskets = [make_basket(number, rng) for number in range(BASKETS)]
    member = Member(id="m-1", tags=frozenset({"VIP"}))
    python = sys.version.split()[0]
    print(f"evaluate(): a {LINES_PER_BASKET}-line basket, medians of {RUNS} runs, Python {python}")
    columns = f"{'evals/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu p99':>8} {'looked at':>10} {'fired':>6}"
    header = f"{'rules':>6}  {'how':<12} {columns}"
    print(header)
    print("-" * len(header))
    till_rules = [parse_rule(body, id=f"till-{n}", revision=1) for n, body in enumerate(TILL_RULES)]
    till_index = RuleIndex(till_rules)
    till_fired = len(evaluate(TILL_SALE, member, till_index, at=AT, context=CONTEXT).fired)

    def run_till(basket: Purchase) -> object:
        return evaluate(basket, member, till_index, at=AT, context=CONTEXT)

    per_second, p50, p99, cpu_p99 = median_of_runs(run_till, [TILL_SALE])
    figures = f"{per_second:>9,.0f} {p50:>8.3f} {p99:>8.3f} {cpu_p99:>8.3f} {len(till_rules):>10} {till_fired:>6.1f}"
    print(f"{'till':>6}  {'RuleIndex':<12} {figures}")
    for count in RULE_COUNTS:
        rules = make_rules(count, rng)
        index = RuleIndex(rules)
        looked_at = statistics.mean(
            len(index.candidates(Trigger.purchase(), Basket(basket, {}, 2), Decimal(0))) for basket in baskets
        )
        fired = statistics.mean(
            len(evaluate(basket, member, index, at=AT, context=CONTEXT).fired) for basket in baskets
        )
        for how, source, seen in (("RuleIndex", index, looked_at), ("linear scan", rules, float(count))):

            def run_one(basket: Purchase, source: RuleIndex | list[Rule] = source) -> object:
                return evaluate(basket, member, source, at=AT, context=CONTEXT)

            per_second, p50, p99, cpu_p99 = median_of_runs(run_one, baskets)
            latency = f"{p50:>8.3f} {p99:>8.3f} {cpu_p99:>8.3f}"
            figures = f"{per_second:>9,.0f} {latency} {seen:>10.0f} {fired:>6.1f}"
            print(f"{count:>6}  {how:<12} {figures}")


if __name__ == "__main__":
    main()
