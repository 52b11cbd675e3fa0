"""The worked examples of docs/programs.md run through the engine: deals, punch cards, discounts, points.

An example is a ```json block with "rules" and/or "punch_cards", a "sale", optionally "member" (`tags`, the
punches on the open card) and "benefits" (wallet benefits the till applies after the deals). The ```text block
after it is what the engine says: each discount (source, name, amount, lines), each award, each punch card's
explanation, and the total.
"""

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from loyalty.rules import (
    DiscountRequest,
    Line,
    Member,
    Purchase,
    evaluate,
    parse_benefit,
    parse_punch_card,
    parse_rule,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "programs.md"
BLOCK = re.compile(r"```json\n(?P<example>(?:(?!```).)*?)\n```\n+```text\n(?P<says>.*?)\n```", re.DOTALL)
AT = datetime.fromisoformat("2024-06-05T12:00:00+02:00")


def examples() -> list[tuple[dict, list[str]]]:
    found = []
    for match in BLOCK.finditer(DOCS.read_text()):
        example = json.loads(match["example"])
        if "sale" in example:
            found.append((example, match["says"].splitlines()))
    return found


def render(example: dict) -> list[str]:
    rules = [parse_rule(body, id=f"rule-{index}", revision=1) for index, body in enumerate(example.get("rules", []))]
    cards = [parse_punch_card(body, id=f"card-{index}") for index, body in enumerate(example.get("punch_cards", []))]
    member_data = example.get("member", {})
    member = Member(
        id="member-1",
        tags=frozenset(member_data.get("tags", ())),
        punches={card.id or "": int(member_data.get("punches", 0)) for card in cards},
    )
    requests = [
        DiscountRequest(f"b-{index}", "benefit", body["name"], parse_benefit(body))
        for index, body in enumerate(example.get("benefits", []))
    ]
    purchase = Purchase(
        transaction_id="T-1",
        lines=tuple(
            Line(
                line_id=item["line_id"],
                code=item["code"],
                department=item.get("department"),
                quantity=Decimal(str(item.get("quantity", 1))),
                amount=Decimal(item["amount"]),
            )
            for item in example["sale"]["items"]
        ),
    )
    outcome = evaluate(purchase, member, rules, at=AT, requests=requests, punch_cards=cards)
    said = [
        f"{applied.source} {applied.name}: {applied.amount} ("
        + ", ".join(f"line {line.line_id} {line.amount}" for line in applied.lines)
        + ")"
        for applied in outcome.discounts.applied
    ]
    said += [award.explanation for award in outcome.awards]
    said += [punch.explanation for punch in outcome.punches]
    return [*said, f"total: {outcome.points} points"]


@pytest.mark.parametrize("example, says", examples())
def test_every_documented_program_example_says_what_the_engine_says(example, says):
    assert render(example) == says


def test_the_programs_page_has_worked_examples_of_deals_and_punch_cards():
    found = examples()
    assert len(found) >= 6
    assert sum("rules" in example for example, _ in found) >= 2
    assert sum("punch_cards" in example for example, _ in found) >= 4
