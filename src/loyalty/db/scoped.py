"""A row of a business by its id, read or read again by a statement that names the business.

`session.get(Model, id)` and `session.refresh(row)` send `WHERE id = …` alone: a database sharded by business
would ask every shard. These add `business_id = …` to that statement (a row of another business is not found);
`get`, like `session.get`, sends nothing when the session already holds the row. Its statement is built once per
model, with the id and the business as parameters: built anew (with `with_loader_criteria`) it cost as much again as
running it on SQLite.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

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
    query = _by_id(cast(Any, model))
    if populate_existing:
        query = query.execution_options(populate_existing=True)
    found: T | None = session.scalars(query, {"ident": ident, "business": business_id}).first()
    return found if found is not None and found.business_id == business_id else None  # type: ignore[attr-defined]


@functools.cache
def _by_id(model: type[Any]) -> Any:
    return select(model).where(model.id == bindparam("ident"), model.business_id == bindparam("business"))


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
