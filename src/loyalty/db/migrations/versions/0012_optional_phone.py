"""a member has a phone or an e-mail address: the phone may be missing (registered by e-mail alone, or erased)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:06:24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.VARCHAR(length=20), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.VARCHAR(length=20), nullable=False)
