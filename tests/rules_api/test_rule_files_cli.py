"""`loyalty rules load` and `loyalty rules export`: rules as files that round-trip, so they can live in git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _new_database_url

RULES_YAML = """\
rules:
  - name: "Tickets: 1 point per 1.00, not on points"
    trigger: purchase
    status: active
    conditions: {time_from: 10:30, time_until: "23:00"}
    actions:
      - {type: add_points, mode: rate, points: 1, per: 1.00, items: {departments: [tickets]}, exclude_mops: points}
  - name: "Drinks: 10 points each"
    trigger: purchase
    status: active
    actions:
      - {type: add_points, mode: repeat, points: 10, every: 1, items: {departments: [drinks]}}
  - name: Welcome
    trigger: joined
    actions:
      - {type: add_points, mode: fixed, points: 50}
"""


def loyalty(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args],
        env=os.environ | {"LOYALTY_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def new_business(database_url: str, name: str = "Cinema") -> str:
    made = loyalty(database_url, "business", "create", name, "--currency", "CHF", "--json")
    assert made.returncode == 0, made.stderr
    business_id: str = json.loads(made.stdout)["business_id"]
    return business_id


def actions_of(output: str) -> list[str]:
    """The first word of each line `rules load` prints per rule."""
    return [line.split()[0] for line in output.splitlines() if line and not line[0].isdigit()]


def test_rules_loaded_from_yaml_export_and_load_again_unchanged(fresh_database_url: str, tmp_path: Path) -> None:
    business = new_business(fresh_database_url)
    source = tmp_path / "rules.yaml"
    source.write_text(RULES_YAML)
    loaded = loyalty(fresh_database_url, "rules", "load", str(source), "--business", business)
    assert loaded.returncode == 0, loaded.stderr
    assert actions_of(loaded.stdout) == ["created", "created", "created"]

    exported = loyalty(fresh_database_url, "rules", "export", "--business", business)
    assert exported.returncode == 0, exported.stderr
    rules = json.loads(exported.stdout)["rules"]
    assert [rule["name"] for rule in rules] == [
        "Tickets: 1 point per 1.00, not on points",
        "Drinks: 10 points each",
        "Welcome",
    ]
    assert rules[0]["conditions"] == {"time_from": "10:30", "time_until": "23:00"}
    assert rules[0]["actions"][0]["per"] == "1.00"
    assert rules[0]["actions"][0]["exclude_mops"] == ["points"]
    assert [rule["status"] for rule in rules] == ["active", "active", "draft"]

    for form in ("json", "yaml"):
        file = tmp_path / f"export.{form}"
        written = loyalty(
            fresh_database_url, "rules", "export", "--business", business, "--format", form, "-o", str(file)
        )
        assert written.returncode == 0, written.stderr
        again = loyalty(fresh_database_url, "rules", "load", str(file), "--business", business)
        assert again.returncode == 0, again.stderr
        assert actions_of(again.stdout) == ["unchanged"] * 3
        assert "0 of 3 rule(s) changed" in again.stdout
        reexported = loyalty(fresh_database_url, "rules", "export", "--business", business, "--format", form)
        assert reexported.stdout == file.read_text()


def test_an_edited_rule_gets_a_new_revision_and_a_status_change_stays_a_status_change(
    fresh_database_url: str, tmp_path: Path
) -> None:
    business = new_business(fresh_database_url)
    source = tmp_path / "rules.yaml"
    source.write_text(RULES_YAML)
    assert loyalty(fresh_database_url, "rules", "load", str(source), "--business", business).returncode == 0
    rules = json.loads(loyalty(fresh_database_url, "rules", "export", "--business", business).stdout)["rules"]
    rules[1]["actions"][0]["points"] = "15"
    rules[2]["status"] = "active"
    rules.append({"name": "New", "trigger": "joined", "actions": [{"type": "tag_member", "tag": "new"}]})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(rules))

    dry = loyalty(fresh_database_url, "rules", "load", str(edited), "--business", business, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert actions_of(dry.stdout) == ["unchanged", "revised", "activated", "created"]
    unchanged = json.loads(loyalty(fresh_database_url, "rules", "export", "--business", business).stdout)["rules"]
    assert len(unchanged) == 3
    assert unchanged[1]["actions"][0]["points"] == "10"

    loaded = loyalty(fresh_database_url, "rules", "load", str(edited), "--business", business)
    assert loaded.returncode == 0, loaded.stderr
    assert actions_of(loaded.stdout) == ["unchanged", "revised", "activated", "created"]
    after = json.loads(loyalty(fresh_database_url, "rules", "export", "--business", business).stdout)["rules"]
    assert [(rule["revision"], rule["status"]) for rule in after] == [
        (1, "active"),
        (2, "active"),
        (1, "active"),
        (1, "draft"),
    ]
    assert after[1]["actions"][0]["points"] == "15"


def test_a_file_with_an_invalid_rule_loads_nothing_and_names_the_field(fresh_database_url: str, tmp_path: Path) -> None:
    business = new_business(fresh_database_url)
    bad = [
        {"name": "fine", "trigger": "joined", "actions": [{"type": "add_points", "mode": "fixed", "points": "5"}]},
        {
            "name": "broken",
            "trigger": "purchase",
            "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "0"}],
        },
    ]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(bad))
    loaded = loyalty(fresh_database_url, "rules", "load", str(source), "--business", business)
    assert loaded.returncode == 2
    assert "rules.1.actions.0.per" in loaded.stderr
    assert "nothing was loaded" in loaded.stderr
    assert json.loads(loyalty(fresh_database_url, "rules", "export", "--business", business).stdout) == {"rules": []}


@pytest.mark.parametrize(
    ("text", "suffix", "says"),
    [
        ("{not json", ".json", "not valid JSON"),
        ("rules: {name: x}", ".yaml", "list of rules"),
        ('[{"name": "x", "trigger": "purchase", "actions": [{"type": "add_points", "mode": "fixed", '
         '"points": 1.5e999999}]}]', ".json", "rules.0.actions.0.points"),
        ('[{"id": "welcome", "name": "x", "trigger": "joined", "actions": [{"type": "tag_member", "tag": "t"}]}]',
         ".json", "rules.0.id"),
    ],
    ids=["broken json", "not a list", "enormous number", "an id that is not a rule id"],
)  # fmt: skip
def test_a_file_that_is_not_rules_is_refused_with_exit_2(
    fresh_database_url: str, tmp_path: Path, text: str, suffix: str, says: str
) -> None:
    business = new_business(fresh_database_url)
    source = tmp_path / f"rules{suffix}"
    source.write_text(text)
    loaded = loyalty(fresh_database_url, "rules", "load", str(source), "--business", business)
    assert loaded.returncode == 2
    assert says in loaded.stderr


def test_an_export_loaded_into_another_database_keeps_its_ids(
    fresh_database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    staging = new_business(fresh_database_url)
    source = tmp_path / "rules.yaml"
    source.write_text(RULES_YAML)
    assert loyalty(fresh_database_url, "rules", "load", str(source), "--business", staging).returncode == 0
    exported = tmp_path / "staging.yaml"
    loyalty(fresh_database_url, "rules", "export", "--business", staging, "--format", "yaml", "-o", str(exported))

    production_url = _new_database_url(tmp_path_factory)
    production = new_business(production_url)
    first = loyalty(production_url, "rules", "load", str(exported), "--business", production)
    assert actions_of(first.stdout) == ["created"] * 3
    second = loyalty(production_url, "rules", "load", str(exported), "--business", production)
    assert actions_of(second.stdout) == ["unchanged"] * 3
    shown = loyalty(production_url, "rules", "export", "--business", production, "--format", "yaml")
    assert shown.stdout == exported.read_text()


def test_loading_a_businesss_export_into_another_business_of_the_same_database_gives_new_ids(
    fresh_database_url: str, tmp_path: Path
) -> None:
    first, second = new_business(fresh_database_url, "First"), new_business(fresh_database_url, "Second")
    source = tmp_path / "rules.yaml"
    source.write_text(RULES_YAML)
    loyalty(fresh_database_url, "rules", "load", str(source), "--business", first)
    exported = tmp_path / "first.json"
    loyalty(fresh_database_url, "rules", "export", "--business", first, "-o", str(exported))
    loaded = loyalty(fresh_database_url, "rules", "load", str(exported), "--business", second)
    assert loaded.returncode == 0, loaded.stderr
    assert actions_of(loaded.stdout) == ["created"] * 3
    assert "belongs to another business" in loaded.stdout
    theirs = json.loads(exported.read_text())["rules"]
    ours = json.loads(loyalty(fresh_database_url, "rules", "export", "--business", second).stdout)["rules"]
    assert {rule["id"] for rule in ours}.isdisjoint(rule["id"] for rule in theirs)
    assert [rule["name"] for rule in ours] == [rule["name"] for rule in theirs]


def test_an_unknown_business_is_refused(fresh_database_url: str, tmp_path: Path) -> None:
    source = tmp_path / "rules.yaml"
    source.write_text(RULES_YAML)
    missing = "00000000-0000-0000-0000-000000000000"
    assert loyalty(fresh_database_url, "rules", "load", str(source), "--business", missing).returncode == 2
    assert loyalty(fresh_database_url, "rules", "export", "--business", missing).returncode == 2
    assert loyalty(fresh_database_url, "rules", "export", "--business", "nope").returncode == 2
