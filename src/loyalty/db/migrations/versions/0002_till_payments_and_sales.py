"""The business's means of payment; a till's sales by day; a member's live code shown on every device.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business") as batch:
        batch.add_column(
            sa.Column("means_of_payment", sa.JSON(), nullable=False, server_default=sa.text("'[\"cash\", \"card\"]'"))
        )
    op.create_index("ix_purchase_terminal_created", "purchase", ["business_id", "terminal_id", "created_at"])
    with op.batch_alter_table("identification_code") as batch:
        batch.add_column(sa.Column("code", sa.String(length=16), nullable=False, server_default=""))
        batch.add_column(sa.Column("qr", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("identification_code") as batch:
        batch.drop_column("qr")
        batch.drop_column("code")
    op.drop_index("ix_purchase_terminal_created", table_name="purchase")
    with op.batch_alter_table("business") as batch:
        batch.drop_column("means_of_payment")
