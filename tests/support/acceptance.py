"""The worked examples of the Campaign Center article, kept in the repository as test data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "seed-examples.json"
CASES: list[dict[str, Any]] = json.loads(SEED_EXAMPLES.read_text())["cases"]
