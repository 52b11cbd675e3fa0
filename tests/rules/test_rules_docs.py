"""The worked examples of docs/rules.md run through the engine, so the documentation cannot drift from it.

An example is a ```json block holding "rule" (or "rules") and optionally "sale", "trigger", "at", "member",
"points_decimals" and "line_discounts", or "benefits" and "sale" for discounts. The ```text block right after
it is what the engine says: each award (and its points per line when there are several lines), each effect,
each rule that did not fire and why, the total; or each discount.
"""

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from loyalty.rules import (
    Context,
    DiscountRequest,
    Line,
    Member,
    Payment,
    Purchase,
    Trigger,
    apply_discounts,
    evaluate,
    parse_benefit,
    parse_rule,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
BLOCK = re.compile(r"```json\n(?P<example>.*?)\n```\n+```text\n(?P<says>.*?)\n```", re.DOTALL)
DEFAULT_AT = "2024-06-05T12:00:00+02:00"  # a Wednesday noon in Zurich


def examples() -> list[tuple[dict, list[str]]]:
    if not DOCS.exists():
        return []
    found = []
    for match in BLOCK.finditer(DOCS.read_text()):
        example = json.loads(match["example"])
        if {"rule", "rules", "benefits"} & example.keys():
            found.append((example, match["says"].splitlines()))
    return found


def sale(data: dict) -> Purchase:
    return Purchase(
        transaction_id="T-1",
        branch_id=data.get("branch_id"),
        lines=tuple(
            Line(
                line_id=item["line_id"],
                code=item["code"],
                department=item.get("department"),
                quantity=Decimal(str(item.get("quantity", 1))),
                amount=Decimal(item["amount"]),
                tags=tuple(item.get("tags", ())),
            )
            for item in data["items"]
        ),
        payments=tuple(Payment(mop=p["mop"], amount=Decimal(p["amount"])) for p in data.get("payments", ())),
    )


def trigger(data: str | dict) -> Trigger:
    if isinstance(data, str):
        return Trigger(kind=data)
    before = data.get("lifetime_before")
    return Trigger(
        kind=data["kind"],
        code=data.get("code"),
        event=data.get("event"),
        lifetime_before=None if before is None else Decimal(before),
    )


def render(example: dict) -> list[str]:
    """What the engine says about one documented example."""
    if "benefits" in example:
        return render_discounts(example)
    bodies = example.get("rules") or [example["rule"]]
    rules = [parse_rule(body, id=f"rule-{index}", revision=1) for index, body in enumerate(bodies)]
    member_data = example.get("member", {})
    member = Member(
        id="member-1",
        tags=frozenset(member_data.get("tags", ())),
        lifetime_points=Decimal(member_data.get("lifetime_points", "0")),
        rule_uses={
            rule_id: tuple(datetime.fromisoformat(moment) for moment in moments)
            for rule_id, moments in member_data.get("uses", {}).items()
        },
    )
    context = Context(points_decimals=example.get("points_decimals", 2), timezone=ZoneInfo("Europe/Zurich"))
    outcome = evaluate(
        sale(example["sale"]) if "sale" in example else None,
        member,
        rules,
        at=datetime.fromisoformat(example.get("at", DEFAULT_AT)),
        context=context,
        trigger=trigger(example.get("trigger", "purchase")),
        line_discounts={key: Decimal(value) for key, value in example.get("line_discounts", {}).items()},
        explain=True,
    )
    said = []
    for award in outcome.awards:
        said.append(award.explanation)
        if len(award.lines) > 1:
            shares = ", ".join(f"{share.line_id} → {share.points}" for share in award.lines)
            said.append(f"  per line: {shares}")
    said += [effect.explanation for effect in outcome.effects]
    said += [f"not fired: {skipped.reason.english()}" for skipped in outcome.skipped]
    return [*said, f"total: {outcome.points} points"]


def render_discounts(example: dict) -> list[str]:
    requests = [
        DiscountRequest(id=f"b-{index}", source="benefit", name=body["name"], template=parse_benefit(body))
        for index, body in enumerate(example["benefits"])
    ]
    result = apply_discounts(sale(example["sale"]).lines, requests)
    said = []
    for applied in result.applied:
        lines = ", ".join(f"line {line.line_id} {line.amount}" for line in applied.lines)
        said.append(f"{applied.name}: {applied.amount} ({lines})")
    return said + [f"{rejected.name}: rejected, {rejected.reason}" for rejected in result.rejected]


@pytest.mark.parametrize("example, says", examples())
def test_every_documented_example_says_what_the_engine_says(example, says):
    assert render(example) == says


def test_the_reference_has_worked_examples():
    assert len(examples()) >= 20
