"""docs/pos-integration.md runs as written: its shell commands, in order, in one bash, against a live server with
`loyalty demo`'s business. The only change is the two keys the reader pastes (and the server's address)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.support.server import LiveServer

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "pos-integration.md"
PRELUDE = """set -euo pipefail
# Every request of the guide must succeed: a refusal stops the run with its answer.
curl() { command curl --fail-with-body "$@"; }
"""


def demo_keys(server: LiveServer) -> dict[str, str]:
    env = os.environ | {"LOYALTY_DATABASE_URL": server.database_url}
    printed = subprocess.run(
        [sys.executable, "-m", "loyalty", "demo", "--base-url", server.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return {kind: re.search(rf"{kind} key\s+(\S+)", printed).group(1) for kind in ("admin", "pos")}  # type: ignore[union-attr]


def guide_script(server: LiveServer, keys: dict[str, str]) -> str:
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    script = "\n".join(blocks)
    assert script.count("lk_pos_PASTE") == 1 and script.count("lk_admin_PASTE") == 1
    script = script.replace("lk_pos_PASTE", keys["pos"]).replace("lk_admin_PASTE", keys["admin"])
    return PRELUDE + script.replace("http://127.0.0.1:8000", server.url)


@pytest.mark.skipif(not Path("/usr/bin/curl").exists(), reason="curl is not installed")
def test_the_pos_guide_runs_as_written_against_the_demo(live_server: LiveServer, tmp_path: Path) -> None:
    keys = demo_keys(live_server)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    ada = httpx.post(
        f"{live_server.url}/v1/identify",
        json={"phone": "079 555 01 01"},
        headers={"Authorization": f"Bearer {keys['pos']}"},
    ).json()
    before = Decimal(ada["points_balance"])

    run = subprocess.run(
        ["bash", "-c", guide_script(live_server, keys)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    out = run.stdout
    assert '"key":"lk_pos_' in out  # the second terminal key
    assert '"total":"31.00"' in out and '"rejected":[]' in out  # the quote: free popcorn and SUMMER5
    assert '"amount":"10.00","points_used":"10.00"' in out  # the points payment
    assert '"payments":[{"mop":"card","amount":"21.00"},{"mop":"points","amount":"10.00"}]' in out
    assert '"return_id":"R-1"' in out and '"status":"cancelled"' in out
    # Everything undone: Ada's balance is back where it was, her popcorn back in the wallet.
    after = httpx.get(f"{live_server.url}/v1/members/{ada['id']}", headers=admin).json()
    assert Decimal(after["points_balance"]) == before
    popcorn = [benefit for benefit in after["benefits"] if benefit["name"] == "Free small popcorn"]
    assert [benefit["status"] for benefit in popcorn] == ["active"]
