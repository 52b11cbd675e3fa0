"""A row of a business by its id, read or read again by a statement that names the business.

`session.get(Model, id)` and `session.refresh(row)` send `WHERE id = …` alone: a database sharded by business
would ask every shard. These add `business_id = …` to that statement (a row of another business is not found);
`get`, like `session.get`, sends nothing when the session already holds the row. Its statement is built once per
model, with the id and the business as parameters: built anew (with `with_loader_criteria`) it cost as much again as
running it on SQLite. A row the session does not hold yet is read on the driver's cursor (`later.records`) and
made the session's own, as loaded (half the CPU of the ORM's query on SQLite, measured on a member).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import ColumnProperty, Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from loyalty.db import later

T = TypeVar("T")


def get(
    session: Session, model: type[T], ident: uuid.UUID, *, business_id: uuid.UUID, populate_existing: bool = False
) -> T | None:
    """The `model` row `ident` of business `business_id`, or None; `populate_existing` reads it again even when
    the session holds it (as for `session.get`)."""
    if not populate_existing:
        held = session.identity_map.get(identity_key(model, ident))
        if held is not None and not inspect(held).expired:
            return held if held.business_id == business_id else None  # type: ignore[attr-defined]
        if held is None and _plain(cast(Any, model)):
            loaded: T | None = _loaded(session, model, ident, business_id)
            return loaded
    query = _by_id(cast(Any, model))
    if populate_existing:
        query = query.execution_options(populate_existing=True)
    found: T | None = session.scalars(query, {"ident": ident, "business": business_id}).first()
    return found if found is not None and found.business_id == business_id else None  # type: ignore[attr-defined]


@functools.cache
def _by_id(model: type[Any]) -> Any:
    return select(model).where(model.id == bindparam("ident"), model.business_id == bindparam("business"))


@functools.cache
def _plain(model: type[Any]) -> bool:
    """Whether every attribute of `model` is one column of its table, loaded with the row (no relationship):
    then the row alone makes the object, as the ORM's loading would."""
    mapper: Mapper[Any] = inspect(model)
    return not mapper.relationships and all(
        isinstance(prop, ColumnProperty) and len(prop.columns) == 1 and not prop.deferred for prop in mapper.attrs
    )


@functools.cache
def _by_id_columns(model: type[Any]) -> Any:
    mapper: Mapper[Any] = inspect(model)
    columns = [prop.columns[0].label(prop.key) for prop in mapper.column_attrs]
    return select(*columns).where(model.id == bindparam("ident"), model.business_id == bindparam("business"))


def _loaded(session: Session, model: Any, ident: uuid.UUID, business_id: uuid.UUID) -> Any:
    """The row read on the driver's cursor, made a persistent object of the session with nothing to flush (its
    attributes set as loaded, then attached as a detached object with its identity would be)."""
    rows = later.records(session, _by_id_columns(model), {"ident": ident, "business": business_id})
    if not rows:
        return None
    instance = as_loaded(model, rows[0]._asdict())
    session.add(instance)
    return instance


def as_loaded(model: Any, values: Mapping[str, Any]) -> Any:
    """A `model` object of `values` (by attribute name) as the ORM's loading makes one: no constructor, no change
    history, its identity set; detached, for a session to `add` or for no session at all."""
    instance = inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    return instance


def refresh(session: Session, instance: Any, names: Sequence[str] | None = None) -> None:
    """`session.refresh(instance, names)` by a statement that names the instance's business."""
    model = type(instance)
    if names is None:
        get(session, model, instance.id, business_id=instance.business_id, populate_existing=True)
        return
    query = select(*[getattr(model, name) for name in names]).where(
        model.business_id == instance.business_id, model.id == instance.id
    )
    for name, value in zip(names, session.execute(query).one(), strict=True):
        set_committed_value(instance, name, value)
