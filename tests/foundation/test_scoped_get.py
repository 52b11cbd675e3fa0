"""`scoped.get` reads a row the session does not hold on the driver's cursor and makes it the session's own: the
object is what the ORM's own query loads, it has nothing to flush until changed, a change flushes, and another
business's id finds nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from loyalty.db import scoped
from loyalty.db.engine import Database
from loyalty.db.models import LedgerTransaction, Member
from tests.conftest import Tenant
from tests.support.people import register


def test_a_row_read_on_the_driver_is_the_row_the_orm_loads(db: Database, tenant: Tenant) -> None:
    member = register(tenant, email="ada@example.com", tags=["vip", "é"], birthday="1990-12-10")
    business_id, member_id = uuid.UUID(tenant.business_id), uuid.UUID(member["id"])
    with db.read() as session:
        loaded = scoped.get(session, Member, member_id, business_id=business_id)
        assert loaded is not None
        state = inspect(loaded)
        assert state.persistent and not state.expired_attributes and loaded not in session.dirty
        assert session.get(Member, member_id) is loaded  # the session's one object for that row
        read = dict(vars(loaded))
        session.expunge_all()
        orm = session.scalars(select(Member).where(Member.id == member_id)).one()
        for column in Member.__table__.columns:
            assert read[column.key] == getattr(orm, column.key), column.key
        assert read["created_at"].tzinfo is not None and read["tags"] == ["vip", "é"]


def test_a_change_to_it_flushes_and_another_business_finds_nothing(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    member = register(tenant)
    business_id, member_id = uuid.UUID(tenant.business_id), uuid.UUID(member["id"])

    def tag(session: Session) -> None:
        loaded = scoped.get(session, Member, member_id, business_id=business_id)
        assert loaded is not None
        loaded.tags = ["regular"]

    db.write(tag)
    with db.read() as session:
        assert session.scalars(select(Member.tags).where(Member.id == member_id)).one() == ["regular"]
        elsewhere = scoped.get(session, Member, member_id, business_id=uuid.UUID(other_tenant.business_id))
        assert elsewhere is None
        assert scoped.get(session, Member, uuid.uuid4(), business_id=business_id) is None


def test_a_model_with_a_relationship_is_loaded_by_the_orm() -> None:
    assert scoped._plain(Member)
    assert not scoped._plain(LedgerTransaction)  # its entries: the ORM's loading keeps their loader
