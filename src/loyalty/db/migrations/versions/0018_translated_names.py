"""translated names: a benefit's, a rule's and a punch card's name per language

Revision ID: 0018_translated_names
Revises: 0017_moving
Create Date: 2026-12-07 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_translated_names"
down_revision = "0017_moving"
branch_labels = None
depends_on = None

# {"fr": "Café offert", "de": "Gratis Kaffee"}: null (or a language left out) shows the name as written.
TABLES = ("benefit", "rule", "punch_card")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("names")
