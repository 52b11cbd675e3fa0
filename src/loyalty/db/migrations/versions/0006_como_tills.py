"""tills that speak Como: external ids of branches and terminals, payment settings, open tickets, codes kept per till

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalty.db.models

revision = '0006'
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_wallet', sa.String(length=16), server_default='points', nullable=False))
        batch_op.add_column(sa.Column('payment_verification', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('payment_min_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('payment_max_minor', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_branch_business_id_external_id'), ['business_id', 'external_id'])

    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_terminal_business_id_branch_id_external_id'), ['business_id', 'branch_id', 'external_id']
        )

    op.create_table('open_ticket',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('business_id', sa.Uuid(), nullable=False),
    sa.Column('terminal_id', sa.Uuid(), nullable=False),
    sa.Column('transaction_id', sa.String(length=128), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_open_ticket_business_id_business')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_open_ticket_member_id_member')),
    sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id'], name=op.f('fk_open_ticket_terminal_id_terminal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_ticket')),
    sa.UniqueConstraint('business_id', 'terminal_id', 'transaction_id', name=op.f('uq_open_ticket_business_id_terminal_id_transaction_id'))
    )
    op.create_table('till_identification',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('business_id', sa.Uuid(), nullable=False),
    sa.Column('terminal_id', sa.Uuid(), nullable=False),
    sa.Column('value_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_till_identification_business_id_business')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_till_identification_member_id_member')),
    sa.ForeignKeyConstraint(['terminal_id'], ['terminal.id'], name=op.f('fk_till_identification_terminal_id_terminal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_till_identification')),
    sa.UniqueConstraint('business_id', 'terminal_id', 'value_hash', name=op.f('uq_till_identification_business_id_terminal_id_value_hash'))
    )
    with op.batch_alter_table('till_identification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_till_identification_member_id'), ['member_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('till_identification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_till_identification_member_id'))
    op.drop_table('till_identification')
    op.drop_table('open_ticket')
    with op.batch_alter_table('terminal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_terminal_business_id_branch_id_external_id'), type_='unique')
        batch_op.drop_column('external_id')
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_branch_business_id_external_id'), type_='unique')
        batch_op.drop_column('external_id')
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.drop_column('payment_max_minor')
        batch_op.drop_column('payment_min_minor')
        batch_op.drop_column('payment_verification')
        batch_op.drop_column('payment_wallet')
