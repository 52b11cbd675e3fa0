"""Column types, keys and the declarative base every table shares."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    MetaData,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from loyalty.db.ids import new_id


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times must be aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The unit of work updates and deletes a row by its primary key alone; declared as the row's version
        # (one the ORM never changes itself), `business_id` is added to their WHERE: every statement names its
        # business, so a database sharded by business sends it to one shard.
        business_id = cls.__dict__.get("business_id")
        return {"version_id_col": business_id, "version_id_generator": False} if business_id is not None else {}


def pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=new_id)


def business_fk(*, index: bool = True) -> Mapped[uuid.UUID]:
    """The row's business; indexed alone unless a key of the table already begins with it (`index=False`): an
    index more is a page more written with every row."""
    return mapped_column(ForeignKey("business.id"), index=index)
