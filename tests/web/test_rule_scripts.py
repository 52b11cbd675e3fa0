"""The Campaign Center's rule helpers, run in Node when it is installed: every mistake of a rule at once, as
sentences naming the field; conditions and validity in words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.test_scripts import NODE, run

pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")


def problems(rule: dict[str, Any]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = run("rule-checks.js", f"m.ruleProblems({json.dumps(rule)})")
    return found


def test_every_mistake_of_a_rule_is_found_at_once_each_naming_its_field() -> None:
    rule = {
        "name": " ",
        "trigger": "purchase",
        "conditions": {"min_spend": "twenty"},
        "limits": {"per_member": 0, "period": "day"},
        "valid_from": "2026-12-24T00:00:00Z",
        "valid_until": "2026-12-01T00:00:00Z",
        "actions": [
            {"type": "add_points", "mode": "rate", "points": "1"},
            {"type": "add_points", "mode": "percent"},
            {"type": "tag_member", "tag": ""},
        ],
    }
    assert problems(rule) == [
        {"path": "name", "message": "Name: give the rule a name, like “Tickets: 1 point per 1.00”."},
        {"path": "conditions.min_spend", "message": "Minimum spend: enter an amount, like 20.00."},
        {
            "path": "limits.per_member",
            "message": "At most, per member: enter a whole number of times, like 1, or leave it empty for no limit.",
        },
        {"path": "valid_until", "message": "Ends: choose a moment after the start."},
        {"path": "actions.0.per", "message": "Per amount spent: enter an amount, like 1.00."},
        {"path": "actions.1.percent", "message": "Percent of the spend: enter a percentage, like 10."},
        {"path": "actions.2.tag", "message": "Tag: enter the tag, like VIP."},
    ]


def test_a_good_rule_has_no_problem_and_each_trigger_asks_for_its_own_field() -> None:
    good = {
        "name": "Tickets",
        "trigger": "purchase",
        "actions": [{"type": "add_points", "mode": "fixed", "points": "10"}],
    }
    assert problems(good) == []
    assert [p["path"] for p in problems({**good, "trigger": "lifetime_points"})] == [
        "conditions.lifetime_points_at_least"
    ]
    assert [p["path"] for p in problems({**good, "trigger": "code_used"})] == ["conditions.code"]
    assert [p["path"] for p in problems({**good, "trigger": "event"})] == ["conditions.event"]


def test_a_refusal_from_the_server_reads_as_a_sentence_with_the_fields_label() -> None:
    said = run("rule-checks.js", 'm.sentence("Per amount spent", "actions.0.per: is required for a rate action")')
    assert said == "Per amount spent: is required for a rate action."


def test_conditions_and_validity_read_in_words() -> None:
    rule = {
        "conditions": {
            "weekdays": ["thu", "tue"],
            "time_from": "17:00",
            "time_until": "19:00",
            "min_spend": "20.00",
            "member_tags": ["VIP", "student"],
            "contains": {"departments": ["snacks"], "min_quantity": "2"},
        }
    }
    assert run("rule-words.js", f"m.conditionsText({json.dumps(rule)})") == (
        "only on Tue and Thu · from 17:00 to 19:00 · at least 20.00 spent · with at least 2 of snacks"
        " · members tagged VIP or student"
    )
    now = "new Date('2026-11-30T12:00:00Z')"
    assert run("rule-words.js", f"m.validityText({{}}, {now})") == "no end date"
    assert run("rule-words.js", f"m.validityText({{valid_until: '2026-11-01T00:00:00Z'}}, {now})").startswith("ended ")
    assert run("rule-words.js", f"m.validityText({{valid_from: '2026-12-24T00:00:00Z'}}, {now})").startswith("starts ")


def test_a_deal_reads_as_money_or_a_percentage_off() -> None:
    said = run(
        "rule-words.js",
        "[m.dealText({type: 'discount', discount: {percent: '20', max: '5.00'}, items: {codes: ['COLA']}}),"
        " m.dealText({type: 'discount', discount: {amount: '2.00'}})]",
    )
    assert said == ["20% off COLA (at most 5.00)", "2.00 off the purchase"]
