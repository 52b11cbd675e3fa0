"""backtests and rule figures: a purchase's payments and its lines' order as earning saw them; indexes by time

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payments", sa.JSON(), nullable=True))
        batch_op.create_index("ix_purchase_business_created", ["business_id", "created_at"], unique=False)
    with op.batch_alter_table("purchase_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
    with op.batch_alter_table("ledger_transaction", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_transaction_business_created", ["business_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_transaction", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_transaction_business_created")
    with op.batch_alter_table("purchase_line", schema=None) as batch_op:
        batch_op.drop_column("position")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_business_created")
        batch_op.drop_column("payments")
