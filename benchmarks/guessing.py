"""What an attacker with a pos key gets from guessing promo codes, and what oversized bodies cost, on a live
server (SQLite):

    .venv/bin/python benchmarks/guessing.py [--seconds 10]

One till sends quotes of 20 wrong codes each, as fast as one connection allows, for --seconds; then
/v1/codes/redeem with one wrong code each. The table gives the requests sent, the codes the server actually
looked up (those of the answered requests: a 429 looks nothing up), the 429s, and the guesses per second an
attacker really gets. Then a 50 MB body (declared, then chunked) is sent; the table gives how fast the 413
comes back and the server's resident memory before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loyalty.settings import Settings  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

MB = 1024 * 1024


def resident_mb(pid: int) -> float:
    """The resident memory of the server and its children (uvicorn may fork a worker)."""
    total = 0.0
    pids = [
        pid,
        *(
            int(child)
            for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        ),
    ]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except FileNotFoundError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    limits = Settings.from_env()
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'guessing.db'}"
    env = os.environ | {"LOYALTY_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "loyalty", "db", "upgrade"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [sys.executable, "-m", "loyalty", "business", "create", "Guessed shop", "--currency", "CHF", "--json"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    keys = json.loads(made.stdout)
    server = LiveServer(url).start()
    assert server.process is not None
    rows: list[tuple[str, str]] = []
    try:
        pos = {"Authorization": f"Bearer {keys['pos_key']}"}
        admin = {"Authorization": f"Bearer {keys['admin_key']}"}
        with httpx.Client(base_url=server.url, timeout=60) as client:
            member = client.post("/v1/members", json={"phone": "+41785550000"}, headers=admin).json()
            sent = looked_up = refused = 0
            began = time.perf_counter()
            while time.perf_counter() - began < args.seconds:
                codes = [f"G{sent:05d}{index:02d}X" for index in range(20)]
                body = {"transaction_id": f"T{sent}", "items": [{"line_id": "1", "amount": "1.00"}], "codes": codes}
                answer = client.post("/v1/quotes", json=body, headers=pos)
                sent += 1
                if answer.status_code == 429:
                    refused += 1
                else:
                    looked_up += len(codes)
            elapsed = time.perf_counter() - began
            rows += [
                ("quotes sent (20 codes each)", f"{sent:,} in {elapsed:.1f} s ({sent / elapsed:,.0f}/s)"),
                ("codes looked up", f"{looked_up:,}"),
                ("refused with 429", f"{refused:,}"),
                (
                    "guesses per second in this run",
                    f"{looked_up / elapsed:,.2f} (the window's whole allowance, at once)",
                ),
                (
                    "guesses a day, sustained",
                    f"{limits.code_failures_per_terminal * 86_400 // limits.code_window_seconds:,} per terminal, "
                    f"{limits.code_failures_per_business * 86_400 // limits.code_window_seconds:,} per business",
                ),
            ]
            tries = blocked = 0
            for index in range(150):
                answer = client.post(
                    "/v1/codes/redeem", json={"code": f"R{index:07d}", "member_id": member["id"]}, headers=pos
                )
                tries += 1
                blocked += answer.status_code == 429
            rows.append(("/v1/codes/redeem after that", f"{blocked} of {tries} refused with 429"))

            before = resident_mb(server.process.pid)
            big = b'{"transaction_id": "' + b"x" * (50 * MB) + b'"}'
            began = time.perf_counter()
            answer = client.post("/v1/quotes", content=big, headers={**pos, "Content-Type": "application/json"})
            declared = (time.perf_counter() - began) * 1000
            rows.append(("50 MB body, Content-Length declared", f"{answer.status_code} in {declared:,.0f} ms"))

            def chunks() -> object:
                for start in range(0, len(big), MB):
                    yield big[start : start + MB]

            began = time.perf_counter()
            try:
                answer = client.post(
                    "/v1/quotes", content=chunks(), headers={**pos, "Content-Type": "application/json"}
                )  # type: ignore[arg-type]
                streamed = f"{answer.status_code} in {(time.perf_counter() - began) * 1000:,.0f} ms"
            except httpx.HTTPError as error:  # the server may close before the client has sent it all
                streamed = (
                    f"connection closed after {(time.perf_counter() - began) * 1000:,.0f} ms ({type(error).__name__})"
                )
            rows.append(("50 MB body, chunked", streamed))
            rows.append(
                ("server memory before / after", f"{before:,.0f} MB / {resident_mb(server.process.pid):,.0f} MB")
            )
    finally:
        server.stop()
    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure':<{width}}  value\n{'-' * width}  {'-' * 40}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
