"""proven contact details (when a member's phone and e-mail were proven, where each login code went, when the
member joined) and failed promo codes, counted for their limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalty.db.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_verified_at", loyalty.db.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("email_verified_at", loyalty.db.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("joined_at", loyalty.db.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=8), nullable=False, server_default="sms"))
    op.create_table(
        "code_failure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_id", sa.Uuid(), nullable=False),
        sa.Column("terminal_id", sa.Uuid(), nullable=True),
        sa.Column("at", loyalty.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["business_id"], ["business.id"], name=op.f("fk_code_failure_business_id_business")),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminal.id"], name=op.f("fk_code_failure_terminal_id_terminal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_failure")),
    )
    with op.batch_alter_table("code_failure", schema=None) as batch_op:
        batch_op.create_index("ix_code_failure_business_at", ["business_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_code_failure_terminal_id"), ["terminal_id"], unique=False)
    _backfill()


def _backfill() -> None:
    """Members from before (all but the pending) have joined. Staff registrations vouched for their phone and
    address; a member who joined in the app and was activated proved the address their login code went to (the
    e-mail, when there was one)."""
    bind = op.get_bind()
    member = sa.table(
        "member",
        sa.column("id", sa.Uuid()),
        sa.column("email", sa.String()),
        sa.column("status", sa.String()),
        sa.column("created_at", loyalty.db.models.UTCDateTime(timezone=True)),
        sa.column("phone_verified_at", loyalty.db.models.UTCDateTime(timezone=True)),
        sa.column("email_verified_at", loyalty.db.models.UTCDateTime(timezone=True)),
        sa.column("joined_at", loyalty.db.models.UTCDateTime(timezone=True)),
    )
    audit = sa.table(
        "audit_record",
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("object_id", sa.String()),
    )
    joined_in_app = {
        row.object_id
        for row in bind.execute(
            sa.select(audit.c.object_id).where(audit.c.action == "member.register", audit.c.actor == "member-app")
        )
    }
    rows = bind.execute(
        sa.select(member.c.id, member.c.email, member.c.created_at).where(member.c.status != "pending")
    ).all()
    for row in rows:
        values: dict[str, object] = {"joined_at": row.created_at}  # the joined rules fired when they became members
        if str(row.id) in joined_in_app:
            values |= {"email_verified_at": row.created_at} if row.email else {"phone_verified_at": row.created_at}
        else:
            values["phone_verified_at"] = row.created_at
            if row.email:
                values["email_verified_at"] = row.created_at
        bind.execute(sa.update(member).where(member.c.id == row.id).values(**values))


def downgrade() -> None:
    op.drop_table("code_failure")
    with op.batch_alter_table("login_code", schema=None) as batch_op:
        batch_op.drop_column("channel")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
        batch_op.drop_column("email_verified_at")
        batch_op.drop_column("phone_verified_at")
