"""A row of a business by its id, read or read again by a statement that names the business.

`session.get(Model, id)` and `session.refresh(row)` send `WHERE id = …` alone: a database sharded by business
would ask every shard. These add `business_id = …` to that statement (a row of another business is not found);
`get`, like `session.get`, sends nothing when the session already holds the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.orm.attributes import set_committed_value

T = TypeVar("T")


def get(session: Session, model: type[T], ident: uuid.UUID, *, business_id: uuid.UUID, **options: Any) -> T | None:
    """The `model` row `ident` of business `business_id`, or None; `options` as for `session.get`."""
    criteria = with_loader_criteria(model, model.business_id == business_id)  # type: ignore[attr-defined]
    found = session.get(model, ident, options=[criteria], **options)
    return found if found is not None and found.business_id == business_id else None  # type: ignore[attr-defined]


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
