"""A served process moves what it was built with out of the garbage collector's full collections."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref

from loyalty.api import heap

SERVED = """
import gc
from starlette.testclient import TestClient
from loyalty.api.app import app_from_env

app = app_from_env()
before = gc.get_freeze_count()
with TestClient(app) as client:
    assert client.get("/v1/health").status_code == 200
    print(before, gc.get_freeze_count())
"""


def test_a_served_process_freezes_what_it_was_built_with_before_its_first_request(database_url: str) -> None:
    env = os.environ | {"LOYALTY_DATABASE_URL": database_url, "LOYALTY_LOG_LEVEL": "WARNING"}
    answer = subprocess.run([sys.executable, "-c", SERVED], env=env, capture_output=True, text=True, check=True)
    before, after = map(int, answer.stdout.split())
    assert before == 0
    assert after > 50_000  # the application, its routes, models and mappers


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_is_made_after_the_freeze_is_still_collected() -> None:
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        made_after = _Cycle()
        gone = weakref.ref(made_after)
        del made_after
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
