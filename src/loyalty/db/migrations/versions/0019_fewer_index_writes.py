"""fewer index writes per sale: no index that is the beginning of another key (of business_id alone beside a key
that begins with it, of a ledger transaction's member beside its member and time), the lots' due-date indexes only
of the lots that are due, the ledger's member index only of members' entries

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
# (table, index, its columns): a lot that never expires, or is spendable at once, has null there and needs no
# entry; nor does a ledger entry of a business account (no member).
PARTIAL = (
    ("points_lot", "ix_points_lot_expiring_at", ["expiring_at"]),
    ("points_lot", "ix_points_lot_member_expiring_at", ["member_id", "expiring_at"]),
    ("points_lot", "ix_points_lot_pending_until", ["pending_until"]),
    ("points_lot", "ix_points_lot_member_pending_until", ["member_id", "pending_until"]),
    ("ledger_entry", "ix_ledger_entry_member", ["business_id", "member_id"]),
)


def upgrade() -> None:
    for table in BUSINESS_ALONE:
        op.drop_index(f"ix_{table}_business_id", table_name=table)
    op.drop_index("ix_ledger_transaction_member_id", table_name="ledger_transaction")  # ix_..._member_at serves
    for table, name, columns in PARTIAL:
        present = sa.text(f"{columns[-1]} IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, sqlite_where=present, postgresql_where=present)


def downgrade() -> None:
    for table, name, columns in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
    op.create_index("ix_ledger_transaction_member_id", "ledger_transaction", ["member_id"])
    for table in BUSINESS_ALONE:
        op.create_index(f"ix_{table}_business_id", table, ["business_id"])
