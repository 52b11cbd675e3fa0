"""The till's pure helpers in Node: what points may pay, how the rest splits over the means of payment, and how a
scanner's burst of keys is told from a person's typing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.test_scripts import NODE, run

pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")


def keys(text: str, *, every: float, enter_after: float, start: float = 10_000) -> str:
    """A script that feeds `text` then Enter to a BurstReader and answers the last verdict and the scanned text."""
    times = [start + every * index for index in range(len(text))]
    feed = "".join(f"r.key({json.dumps(char)}, {at});" for char, at in zip(text, times, strict=True))
    enter = times[-1] + enter_after
    return f"(() => {{ const r = new m.BurstReader(); {feed} return [r.key('Enter', {enter}), r.scanned]; }})()"


@pytest.mark.parametrize(
    ("typed", "due", "answer"),
    [
        ("12.00", 1200, {"minor": "1200"}),
        ("5", 1200, {"minor": "500"}),
        ("99999", 3000, {"error": "The sale still owes 30.00: points can pay at most that, not 99999.00."}),
        ("12.01", 1200, {"error": "The sale still owes 12.00: points can pay at most that, not 12.01."}),
        ("1", 0, {"error": "Nothing is left to pay: points cannot pay more than the sale costs."}),
        ("abc", 1200, {"error": "Type the amount to pay with points, like 5.00, or press All."}),
        ("-3", 1200, {"error": "Type the amount to pay with points, like 5.00, or press All."}),
        ("1.234", 1200, {"error": "Type the amount to pay with points, like 5.00, or press All."}),
    ],
)
def test_points_never_pay_more_than_is_due(typed: str, due: int, answer: dict[str, Any]) -> None:
    checked = f"m.pointsAmount({json.dumps(typed)}, {due}n, 2)"
    found = run(
        "tenders.js", f"(() => {{ const a = {checked}; return a.error ? a : {{ minor: String(a.minor) }}; }})()"
    )
    assert found == answer


def test_the_rest_splits_over_the_tenders_and_the_last_takes_what_is_left() -> None:
    split = run(
        "tenders.js",
        'm.splitRest(3600n, [{mop: "voucher", amount: "20"}, {mop: "card", amount: "10.50"}, {mop: "cash"}], 2)',
    )
    assert split == {
        "payments": [
            {"mop": "voucher", "amount": "20.00"},
            {"mop": "card", "amount": "10.50"},
            {"mop": "cash", "amount": "5.50"},
        ],
        "error": None,
    }
    same_mop = run("tenders.js", 'm.splitRest(1000n, [{mop: "card", amount: "4"}, {mop: "card"}], 2)')
    assert same_mop["payments"] == [{"mop": "card", "amount": "10.00"}]
    too_much = run("tenders.js", 'm.splitRest(3600n, [{mop: "voucher", amount: "40"}, {mop: "cash"}], 2)')
    assert too_much == {"payments": [], "error": "40.00 by voucher is more than the 36.00 left to pay."}
    assert run("tenders.js", 'm.splitRest(0n, [{mop: "cash"}], 2)') == {"payments": [], "error": None}
    assert run("tenders.js", "String(m.pointsCap(1200n, 1500n))") == "0"


@pytest.mark.parametrize(
    ("text", "every", "enter_after", "verdict"),
    [
        ("8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR", 3, 3, ["scan", "8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR"]),
        ("POPCORN-S", 8, 8, ["scan", "POPCORN-S"]),
        # A busy computer holds one key back: the burst's average still says scanner.
        ("8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR", 2, 90, ["scan", "8pJU77V-BKVjutlwG5e3Hjd9vCCpExqR"]),
        # A fast person typing a code and Enter is not a scanner; nor are three quick keys.
        ("4821", 70, 70, ["pass", None]),
        ("482", 3, 3, ["pass", None]),
        # Enter after a pause ends nothing.
        ("482193", 3, 400, ["pass", None]),
    ],
)
def test_a_scanner_burst_is_told_from_typing(text: str, every: float, enter_after: float, verdict: list[Any]) -> None:
    assert run("scanner.js", keys(text, every=every, enter_after=enter_after)) == verdict


def test_a_failed_search_says_how_many_tries_are_left_before_the_pause() -> None:
    said = run(
        "identify.js",
        "[m.triesLeft({tries_left: 3, pause_seconds: 600}), m.triesLeft({tries_left: 1, pause_seconds: 600}),"
        " m.triesLeft({tries_left: 0, pause_seconds: 600}), m.triesLeft({}), m.triesLeft(undefined)]",
    )
    assert said == [
        "3 tries left before this till pauses searches for 10 minutes.",
        "1 try left before this till pauses searches for 10 minutes.",
        "This till now pauses searches for up to 10 minutes; a manager can lift the pause in the Campaign Center."
        " Scanning the QR code still works.",
        "",
        "",
    ]


def test_one_intent_keeps_its_key_across_retries_and_another_gets_a_new_one() -> None:
    found = run(
        "intent.js",
        """(() => {
          const first = m.attemptFor(null, {amount: "5.00", sale: "T-1"}, "P");
          const retried = m.attemptFor(first, {amount: "5.00", sale: "T-1"}, "P");
          const other = m.attemptFor(first, {amount: "6.00", sale: "T-1"}, "P");
          const lost = [{status: 0}, {status: 503}, {status: 409}, {status: 422}, null].map(m.lostAnswer);
          return [retried.key === first.key, other.key !== first.key, first.key.startsWith("P-"), lost];
        })()""",
    )
    assert found == [True, True, True, [True, True, False, False, False]]


def test_a_write_in_flight_is_not_started_twice_and_a_definite_answer_ends_its_key() -> None:
    found = run(
        "intent.js",
        """await (async () => {
          const flight = new m.InFlight();
          let sent = 0;
          const work = () => new Promise((done) => setTimeout(() => { sent += 1; done("ok"); }, 20));
          const answers = await Promise.all([flight.run("pay", work), flight.run("pay", work)]);
          const holder = {};
          const keys = [];
          const send = (status) => (key) => {
            keys.push(key);
            return status === null ? Promise.resolve(1) : Promise.reject({status});
          };
          await m.intended(holder, "a", {x: 1}, "T", send(503)).catch(() => null);
          await m.intended(holder, "a", {x: 1}, "T", send(0)).catch(() => null);
          await m.intended(holder, "a", {x: 1}, "T", send(null));
          await m.intended(holder, "a", {x: 1}, "T", send(422)).catch(() => null);
          const kept = keys[0] === keys[1] && keys[1] === keys[2];
          return [sent, answers, flight.any(), kept, keys[3] !== keys[2], holder.a];
        })()""",
    )
    assert found == [1, ["ok", None], False, True, True, None]


def scanner_keys(text: str, *, every: float, start: float = 10_000) -> str:
    """A USB scanner's keystrokes: Shift before each capital and "_", one key every `every` ms, then Enter."""
    names: list[str] = []
    for char in text:
        if char.isupper() or char == "_":
            names.append("Shift")
        names.append(char)
    feed = "".join(f"r.key({json.dumps(name)}, {start + every * index});" for index, name in enumerate(names))
    enter = start + every * len(names)
    return f"(() => {{ const r = new m.BurstReader(); {feed} return [r.key('Enter', {enter}), r.scanned]; }})()"


@pytest.mark.parametrize("every", [5, 10])
@pytest.mark.parametrize("text", ["8pJU77V-BKVjutlwG5e3Hjd9vCC_ExqR", "POPCORN-S", "4821"])
def test_a_usb_scanners_shift_presses_belong_to_its_burst(text: str, every: float) -> None:
    assert run("scanner.js", scanner_keys(text, every=every)) == ["scan", text]


def test_a_person_typing_capitals_with_shift_is_not_a_scanner() -> None:
    assert run("scanner.js", scanner_keys("SUMMER5", every=80)) == ["pass", None]


def test_a_short_code_scanned_while_the_computer_holds_one_key_back_is_still_a_scan() -> None:
    held = "(() => { const r = new m.BurstReader(); r.key('4', 0); r.key('8', 7); r.key('2', 120); r.key('1', 127);"
    assert run("scanner.js", held + " return [r.key('Enter', 134), r.scanned]; })()") == ["scan", "4821"]
