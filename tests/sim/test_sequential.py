"""Scheduler 1 over seeds: many tills, one request at a time, faults at every statement."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from loyalty.db.engine import Database
from tests.sim import sequential
from tests.sim.choices import Seeded

SEEDS = 10
STEPS = 40
FAULTS_PERCENT = 15


def test_seeds_one_request_at_a_time(sim_db: Database, sim_app: FastAPI, sim_seed: int | None) -> None:
    for seed in [sim_seed] if sim_seed is not None else range(SEEDS):
        result = sequential.run(Seeded(seed), sim_db, sim_app, steps=STEPS, fault_percent=FAULTS_PERCENT)
        result.failures and pytest.fail(
            f"seed {seed} (replay: pytest tests/sim --sim-seed={seed})\n"
            + "\n".join([*result.failures, "history:", *result.trace])
        )
