"""fewer index writes per sale: no index of business_id alone beside a key that begins with it, and the lots'
due-date indexes only of the lots that are due

Revision ID: 0019_fewer_index_writes
Revises: 0018_translated_names
Create Date: 2026-12-07 18:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_fewer_index_writes"
down_revision = "0018_translated_names"
branch_labels = None
depends_on = None

# Each has a unique key or an index that begins with business_id, which serves whatever this one served.
BUSINESS_ALONE = (
    "branch",
    "member",
    "identification_code",
    "rule_revision",
    "terminal",
    "promo_code",
    "purchase",
    "ledger_transaction",
)
# (index, its columns): lots that never expire, or are spendable at once, have null there and need no entry.
DUE = (
    ("ix_points_lot_expiring_at", ["expiring_at"]),
    ("ix_points_lot_member_expiring_at", ["member_id", "expiring_at"]),
    ("ix_points_lot_pending_until", ["pending_until"]),
    ("ix_points_lot_member_pending_until", ["member_id", "pending_until"]),
)


def upgrade() -> None:
    for table in BUSINESS_ALONE:
        op.drop_index(f"ix_{table}_business_id", table_name=table)
    for name, columns in DUE:
        due = sa.text(f"{columns[-1]} IS NOT NULL")
        op.drop_index(name, table_name="points_lot")
        op.create_index(name, "points_lot", columns, sqlite_where=due, postgresql_where=due)


def downgrade() -> None:
    for name, columns in DUE:
        op.drop_index(name, table_name="points_lot")
        op.create_index(name, "points_lot", columns)
    for table in BUSINESS_ALONE:
        op.create_index(f"ix_{table}_business_id", table, ["business_id"])
