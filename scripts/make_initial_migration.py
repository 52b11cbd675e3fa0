"""Regenerate the initial migration from the models (only while no release has shipped)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from loyalty.db.migrate import MIGRATIONS, alembic_config

target = MIGRATIONS / "versions" / "0001_initial.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as folder:
    config = alembic_config(f"sqlite:///{Path(folder) / 'empty.db'}")
    command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
generated = next((MIGRATIONS / "versions").glob("0001_*.py"))
generated.rename(target)
print(f"wrote {target}")
