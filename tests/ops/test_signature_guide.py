"""docs/pos-integration.md's signature checks, in Python and PHP, run as written against a real signature."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from loyalty.webhooks import signing

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "pos-integration.md"
BODY = b'{"type":"purchase.confirmed","timestamp":"2026-12-06T20:00:00+00:00","data":{"points_earned":"12.00"}}'


def blocks(language: str) -> list[str]:
    text = GUIDE.read_text()
    return re.findall(rf"```{language}\n(.*?)```", text[text.index("## Webhooks") :], flags=re.DOTALL)


def signed(secret: str) -> dict[str, str]:
    return signing.headers(secret, message_id="evt_1", at=datetime.now(UTC), body=BODY.decode())


@pytest.mark.parametrize("source", blocks("python"), ids=["standardwebhooks", "standard library"])
def test_the_python_checks(source: str) -> None:
    names: dict[str, Any] = {}
    exec(source, names)  # the guide's code, as a reader would paste it
    verified_event: Callable[[str, dict[str, str], bytes], dict[str, Any]] = names["verified_event"]
    secret = signing.new_secret()
    headers = {name.title(): value for name, value in signed(secret).items()}  # as a web framework hands them
    assert verified_event(secret, headers, BODY)["data"]["points_earned"] == "12.00"
    with pytest.raises(Exception):  # noqa: B017 (each variant raises its own kind)
        verified_event(secret, headers, BODY.replace(b"12.00", b"99.00"))
    with pytest.raises(Exception):  # noqa: B017
        verified_event(signing.new_secret(), headers, BODY)


@pytest.mark.skipif(shutil.which("php") is None, reason="PHP is not installed (apt-get install php-cli)")
def test_the_php_check(tmp_path: Path) -> None:
    (source,) = blocks("php")
    driver = tmp_path / "verify.php"
    driver.write_text(
        source
        + "\n$input = json_decode(file_get_contents('php://stdin'), true);\n"
        + "try { echo json_encode(verified_event($input['secret'], $input['headers'], $input['body'])); }\n"
        + "catch (RuntimeException $e) { echo json_encode(['refused' => $e->getMessage()]); }\n"
    )
    secret = signing.new_secret()

    def run(body: bytes, key: str) -> dict[str, Any]:
        stdin = json.dumps({"secret": key, "headers": signed(secret), "body": body.decode()})
        done = subprocess.run(["php", str(driver)], input=stdin, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert run(BODY, secret)["data"]["points_earned"] == "12.00"
    assert run(BODY.replace(b"12.00", b"99.00"), secret) == {"refused": "bad signature"}
    assert run(BODY, signing.new_secret()) == {"refused": "bad signature"}
