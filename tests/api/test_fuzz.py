"""schemathesis against the OpenAPI document of a live server: no server errors, answers as documented."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import create_tenant_via_cli
from tests.support.server import LiveServer

SCHEMATHESIS = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "schemathesis"


def schemathesis(server: LiveServer, key: str, report: Path) -> subprocess.CompletedProcess[str]:
    binary = SCHEMATHESIS if SCHEMATHESIS.exists() else Path(__file__).resolve().parents[2] / ".venv/bin/schemathesis"
    command = [
        str(binary),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance,content_type_conformance",
        "--header",
        f"Authorization: Bearer {key}",
        "--max-examples",
        "25",
        "--seed",
        "1",
        "--no-shrink",
        "--workers",
        "2",
        "--phases",
        "examples,coverage,fuzzing",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--exclude-path-regex",
        "^/(app|till|campaigns|static|api/v4)",  # the Como calls take X-Api-Key: tests/como fuzzes them
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["admin_key", "pos_key"])
def test_fuzzing_the_api_finds_no_server_error(live_server: LiveServer, tmp_path: Path, kind: str) -> None:
    keys = create_tenant_via_cli(live_server.database_url)
    run = schemathesis(live_server, keys[kind], tmp_path / "junit.xml")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
