"""identification indexes: a till's failures in the window by (business, terminal, at)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identify_failure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identify_failure_business_terminal_at", ["business_id", "terminal_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identify_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_identify_failure_business_terminal_at")
