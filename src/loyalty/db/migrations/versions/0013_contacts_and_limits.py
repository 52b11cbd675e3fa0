"""contacts proven and app limits: failed lookups counted apart from guessed codes, codes that carry a new contact
or what a joiner gave, app requests counted per client and business, the countries a business texts

Revision ID: 0013_contacts_and_limits
Revises: 0012
Create Date: 2026-12-06 23:13:38.583197
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalty.db.models

revision = "0013_contacts_and_limits"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"], name=op.f("fk_app_request_business_id_business")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_request")),
    )
    with op.batch_alter_table("app_request", schema=None) as batch_op:
        batch_op.create_index("ix_app_request_business_at", ["business_id", "at"], unique=False)
        batch_op.create_index("ix_app_request_business_client_at", ["business_id", "client", "at"], unique=False)

    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_countries", sa.JSON(), nullable=True))

    with op.batch_alter_table("identify_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), server_default="guess", nullable=False))
        batch_op.drop_index("ix_identify_failure_business_at")
        batch_op.drop_index("ix_identify_failure_business_terminal_at")
        batch_op.create_index("ix_identify_failure_business_kind_at", ["business_id", "kind", "at"], unique=False)
        batch_op.create_index(
            "ix_identify_failure_business_terminal_kind_at", ["business_id", "terminal_id", "kind", "at"], unique=False
        )

    with op.batch_alter_table("login_code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("given", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_code", schema=None) as batch_op:
        batch_op.drop_column("given")
        batch_op.drop_column("address")

    with op.batch_alter_table("identify_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_identify_failure_business_terminal_kind_at")
        batch_op.drop_index("ix_identify_failure_business_kind_at")
        batch_op.create_index("ix_identify_failure_business_at", ["business_id", "at"], unique=False)
        batch_op.create_index(
            "ix_identify_failure_business_terminal_at", ["business_id", "terminal_id", "at"], unique=False
        )
        batch_op.drop_column("kind")

    with op.batch_alter_table("business", schema=None) as batch_op:
        batch_op.drop_column("text_countries")

    with op.batch_alter_table("app_request", schema=None) as batch_op:
        batch_op.drop_index("ix_app_request_business_client_at")
        batch_op.drop_index("ix_app_request_business_at")

    op.drop_table("app_request")
