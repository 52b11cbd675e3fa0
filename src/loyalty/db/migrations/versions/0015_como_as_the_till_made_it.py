"""what a till sends is kept: a member's attributes (gender, anniversary, generic fields), the discount loyalty
would have given beside the one the till charged, and the ticket a till's code identification proves

Revision ID: 0015_como_as_the_till_made_it
Revises: 0014_languages
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_como_as_the_till_made_it"
down_revision = "0014_languages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.add_column(sa.Column("computed_discount_minor", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("till_identification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transaction_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("till_identification", schema=None) as batch_op:
        batch_op.drop_column("transaction_id")
    with op.batch_alter_table("purchase", schema=None) as batch_op:
        batch_op.drop_column("computed_discount_minor")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("attributes")
