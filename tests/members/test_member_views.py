"""A member's row read on the driver's cursor (`members/views.py`), as a till's identify reads it: every column
of `Member`, the same values the ORM reads, scoped by the business, and named in the audit as a member."""

from __future__ import annotations

import uuid
from dataclasses import fields

from sqlalchemy import select

from loyalty.db.engine import Database
from loyalty.db.models import AuditRecord, Member
from loyalty.members import views
from loyalty.members.views import MemberView
from tests.conftest import Tenant
from tests.support.people import ADA_E164, register


def test_a_view_has_every_column_of_a_member() -> None:
    assert [field.name for field in fields(MemberView)] == [column.key for column in Member.__table__.columns]


def test_a_view_reads_what_the_orm_reads_and_only_in_its_business(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    member = register(tenant, email="ada@example.com", member_number="M-7", tags=["vip"], birthday="1990-12-10")
    business_id, member_id = uuid.UUID(tenant.business_id), uuid.UUID(member["id"])
    with db.read() as session:
        loaded = session.get(Member, member_id)
        assert loaded is not None
        seen = views.by_id(session, business_id=business_id, member_id=member_id)
        by_phone = views.by_contact(session, business_id=business_id, field="phone", value=ADA_E164)
        elsewhere = views.by_id(session, business_id=uuid.UUID(other_tenant.business_id), member_id=member_id)
        not_there = views.by_contact(
            session, business_id=uuid.UUID(other_tenant.business_id), field="phone", value=ADA_E164
        )
    assert seen is not None and seen == by_phone
    for field in fields(MemberView):
        assert getattr(seen, field.name) == getattr(loaded, field.name), field.name
    assert seen.created_at.tzinfo is not None and seen.tags == ["vip"]
    assert elsewhere is None and not_there is None  # another business's id or phone names nobody


def test_an_identify_is_audited_as_of_a_member(db: Database, tenant: Tenant) -> None:
    member = register(tenant)
    answer = tenant.client.post("/v1/identify", json={"phone": ADA_E164}, headers=tenant.pos)
    assert answer.status_code == 200, answer.text
    with db.read() as session:
        audited = session.scalars(
            select(AuditRecord).where(
                AuditRecord.business_id == uuid.UUID(tenant.business_id), AuditRecord.action == "member.identify"
            )
        ).all()
    assert [(record.object_type, record.object_id) for record in audited] == [("member", member["id"])]
