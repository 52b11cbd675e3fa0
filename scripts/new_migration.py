"""Write a new Alembic revision for what the models (db/models/) changed: `make migration MESSAGE="add x to y"`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from loyalty.db.migrate import alembic_config

message = " ".join(sys.argv[1:]) or "schema change"
with tempfile.TemporaryDirectory() as folder:
    # Autogenerate compares the models with a database at the newest revision: a fresh SQLite file upgraded.
    config = alembic_config(f"sqlite:///{Path(folder) / 'head.db'}")
    command.upgrade(config, "head")
    command.revision(config, message=message, autogenerate=True)
