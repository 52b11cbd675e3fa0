"""The pages' pure helpers, run in Node when it is installed: exact money in the browser, and how the till reads
what the cashier (or a scanner) typed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "loyalty" / "web" / "static"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")


def run(module: str, expression: str) -> Any:
    script = f"import * as m from {json.dumps((STATIC / module).as_uri())}; console.log(JSON.stringify({expression}));"
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def test_money_goes_through_integers_and_comes_back_exactly() -> None:
    cases = ["0.10", "0.20", "19.99", "1234567890123.45", "-5.00", "7"]
    back = run("common.js", f"{json.dumps(cases)}.map((t) => m.fromMinor(m.toMinor(t, 2) * 3n, 2))")
    assert back == ["0.30", "0.60", "59.97", "3703703670370.35", "-15.00", "21.00"]
    assert run("common.js", '["1.234", "abc", "", "1.2.3"].map((t) => m.toMinor(t, 2))') == [None] * 4
    assert run("common.js", "[m.fromMinor(5n, 2), m.fromMinor(1234n, 0), m.fromMinor(-1n, 3)]") == [
        "0.05",
        "1234",
        "-0.001",
    ]


def test_points_and_money_are_displayed_as_the_server_wrote_them() -> None:
    shown = run("common.js", '[m.points("50.00"), m.points("12.50"), m.money("1234567.50"), m.signedPoints("-3.00")]')
    assert shown == ["50", "12.50", "1\u2009234\u2009567.50", "\u22123"]  # a real minus sign


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("079 123 45 67", {"phone": "079 123 45 67"}),
        ("+41 79 123 45 67", {"phone": "+41 79 123 45 67"}),
        ("4821", {"code": "4821"}),
        (" 0482 ", {"code": "0482"}),
        ("48 21 93", {"code": "482193"}),
        ("8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR", {"qr": "8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR"}),
        ("ada@example.org", {"email": "ada@example.org"}),
        ("M-1001", {"member_number": "M-1001"}),
    ],
)
def test_the_till_reads_a_phone_a_code_a_scanned_qr_an_email_or_a_member_number(
    typed: str, query: dict[str, str]
) -> None:
    assert run("identify.js", f"m.identification({json.dumps(typed)})") == query


def test_a_refusal_names_its_field_in_words() -> None:
    said = run(
        "common.js",
        "[new m.ApiError(422, 'invalid_input', 'max_uses: Input should be a valid integer'),"
        " new m.ApiError(422, 'invalid_input', \"means_of_payment.5: 'cash' is listed twice\"),"
        " new m.ApiError(422, 'invalid_input', 'Type a name first.')].map(m.words)",
    )
    assert said == [
        "Max uses: Input should be a valid integer.",
        "Means of payment 6: 'cash' is listed twice.",
        "Type a name first.",
    ]


def test_every_refused_field_is_said_together_in_words() -> None:
    errors = [
        {"field": "max_uses", "message": "Input should be a valid integer"},
        {"field": "means_of_payment.5", "message": "'cash' is listed twice"},
        {"field": "max_uses", "message": "Input should be a valid integer"},
    ]
    said = run(
        "common.js",
        "m.words(new m.ApiError(422, 'invalid_input', 'max_uses: Input should be a valid integer',"
        f" {{ field: 'max_uses', errors: {json.dumps(errors)} }}))",
    )
    assert said == "Max uses: Input should be a valid integer. Means of payment 6: 'cash' is listed twice."
