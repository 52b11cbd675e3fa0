"""what a sale did that a return must undo (tags it added, the tier it lifted); terminals retired, and the key that
made each

Revision ID: 0016_sale_reach_and_terminals
Revises: 0015_como_as_the_till_made_it
Create Date: 2026-12-06 23:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalty.db.models

revision = "0016_sale_reach_and_terminals"
down_revision = "0015_como_as_the_till_made_it"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('purchase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effects', sa.JSON(), nullable=True))

    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_key_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('retired_at', loyalty.db.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_terminal_business_id_created_by_key_id'), ['business_id', 'created_by_key_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terminal_business_id_created_by_key_id'))
        batch_op.drop_column('retired_at')
        batch_op.drop_column('created_by_key_id')

    with op.batch_alter_table('purchase', schema=None) as batch_op:
        batch_op.drop_column('effects')
