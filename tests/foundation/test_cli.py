"""The `loyalty` command as an operator uses it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from loyalty.db.engine import Database
from loyalty.members import access
from tests.conftest import BACKEND


def loyalty(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "loyalty", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_business_create_prints_one_json_object_with_working_keys(fresh_database_url: str) -> None:
    made = loyalty("business", "create", "Café Zeit", "--currency", "CHF", "--json", url=fresh_database_url)
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert {"business_id", "admin_key", "pos_key"} <= set(result)
    assert result["admin_key"].startswith("lk_admin_") and result["pos_key"].startswith("lk_pos_")


def test_business_create_refuses_a_bad_currency(fresh_database_url: str) -> None:
    made = loyalty("business", "create", "Shop", "--currency", "EURO", url=fresh_database_url)
    assert made.returncode == 2 and "currency" in made.stderr


def test_verify_is_clean_on_a_new_database(fresh_database_url: str) -> None:
    checked = loyalty("verify", url=fresh_database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "verified" in checked.stdout


def test_demo_can_run_twice_and_prints_fresh_keys(fresh_database_url: str) -> None:
    first = loyalty("demo", url=fresh_database_url)
    second = loyalty("demo", url=fresh_database_url)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "Created" in first.stdout and "Using" in second.stdout
    assert "admin key" in second.stdout and BACKEND in {"sqlite", "postgresql"}


def test_running_the_demo_again_keeps_the_keys_already_handed_out(fresh_database_url: str) -> None:
    """A till set up with the first run's key (or a second till's key) still works after `make run` again."""
    runs = [loyalty("demo", url=fresh_database_url) for _ in range(2)]
    keys = [re.findall(r"(?:admin|pos) key\s+(\S+)", run.stdout) for run in runs]
    assert all(len(pair) == 2 for pair in keys) and keys[0] != keys[1], [run.stdout for run in runs]
    database = Database(fresh_database_url)
    try:
        with database.read() as session:
            kinds = [access.authenticate(session, key).kind for pair in keys for key in pair]
    finally:
        database.dispose()
    assert kinds == ["admin", "pos", "admin", "pos"]
