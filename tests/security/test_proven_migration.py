"""The migration that brings proven contact details decides, for members from before, what they had proven."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from loyalty.db import migrate
from loyalty.db.models import UTCDateTime

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_members_from_before_keep_being_found_and_app_joiners_keep_the_address_they_proved(
    fresh_database_url: str,
) -> None:
    config = migrate.alembic_config(fresh_database_url)
    command.downgrade(config, "0001")
    business_id = uuid.uuid4()
    staff, app_joined, app_joined_no_email, pending = (uuid.uuid4() for _ in range(4))
    business = sa.table(
        "business",
        *(sa.column(name) for name in ("name", "currency", "country", "timezone")),
        sa.column("id", sa.Uuid()),
        *(sa.column(name) for name in ("points_decimals", "point_value_minor", "identification_code_length")),
        *(sa.column(name) for name in ("identification_code_ttl_seconds", "allow_negative_balance", "rules_version")),
        sa.column("created_at", UTCDateTime()),
    )
    member = sa.table(
        "member",
        sa.column("id", sa.Uuid()),
        sa.column("business_id", sa.Uuid()),
        *(sa.column(name) for name in ("phone", "email", "first_name", "last_name", "status")),
        sa.column("tags", sa.JSON()),
        *(sa.column(name) for name in ("consent_terms", "consent_sms", "consent_email")),
        *(sa.column(name) for name in ("points_balance", "lifetime_points")),
        sa.column("created_at", UTCDateTime()),
    )
    audit = sa.table(
        "audit_record",
        sa.column("id", sa.Uuid()),
        sa.column("business_id", sa.Uuid()),
        sa.column("at", UTCDateTime()),
        *(sa.column(name) for name in ("actor", "action", "object_type", "object_id")),
        sa.column("details", sa.JSON()),
    )
    engine = sa.create_engine(fresh_database_url)
    with engine.begin() as connection:
        connection.execute(
            business.insert().values(
                id=business_id, name="Old shop", currency="CHF", country="CH", timezone="Europe/Zurich",
                points_decimals=2, point_value_minor=100, identification_code_length=4,
                identification_code_ttl_seconds=300, allow_negative_balance=False, rules_version=0, created_at=AT,
            )
        )  # fmt: skip
        rows = [
            (staff, "+41785550001", "staff@example.com", "active"),
            (app_joined, "+41785550002", "app@example.com", "active"),
            (app_joined_no_email, "+41785550003", None, "active"),
            (pending, "+41785550004", "pending@example.com", "pending"),
        ]
        for member_id, phone, email, status in rows:
            connection.execute(
                member.insert().values(
                    id=member_id, business_id=business_id, phone=phone, email=email, first_name="", last_name="",
                    status=status, tags=[], consent_terms=True, consent_sms=False, consent_email=False,
                    points_balance=0, lifetime_points=0, created_at=AT,
                )
            )  # fmt: skip
            actor = "key:staff" if member_id == staff else "member-app"
            connection.execute(
                audit.insert().values(
                    id=uuid.uuid4(), business_id=business_id, at=AT, actor=actor, action="member.register",
                    object_type="member", object_id=str(member_id), details={},
                )
            )  # fmt: skip
    migrate.upgrade(fresh_database_url)

    proven = sa.table(
        "member",
        sa.column("id", sa.Uuid()),
        sa.column("phone_verified_at", UTCDateTime()),
        sa.column("email_verified_at", UTCDateTime()),
        sa.column("joined_at", UTCDateTime()),
    )
    with engine.connect() as connection:
        found = {
            row.id: (row.phone_verified_at, row.email_verified_at, row.joined_at)
            for row in connection.execute(sa.select(proven))
        }
    engine.dispose()
    assert found[staff] == (AT, AT, AT)
    assert found[app_joined] == (None, AT, AT)
    assert found[app_joined_no_email] == (AT, None, AT)
    assert found[pending] == (None, None, None)
