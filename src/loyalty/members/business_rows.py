"""The caller's business as the key check reads it: the row on the driver's cursor, and one shared, read-only
`Business` per state of that row in this process.

Every request with a key reads its business in the statement that checks the key. Built by the ORM, that object
cost more than the rest of the check; here the row comes as the driver gives it and is compared with the last one
seen for that business: the same row gives back the same object, any change of it (a setting, the rules' version)
builds a new one. What a request sees is always the row its own transaction read.

A shared object must not change: setting one of its attributes raises `SharedBusinessChanged`. A use case that
changes the business loads its own (`access.business_to_change`).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.engine import Dialect

from loyalty.db import scoped
from loyalty.db.models import ApiKey, Business
from loyalty.db.rows import cast_table


class SharedBusinessChanged(Exception):
    """An attribute of a business shared between requests was set: load the business to change it."""


_shared: weakref.WeakSet[Business] = weakref.WeakSet()


@functools.cache
def statement() -> Any:
    """The business's columns, read only if the key `key` of business `business` is neither revoked nor expired at
    `at`. Built once: every request with a key runs it."""
    business, key = cast_table(Business), cast_table(ApiKey)
    return (
        select(*business.columns)
        .join_from(business, key, key.c.business_id == business.c.id)
        .where(
            business.c.id == bindparam("business"),
            key.c.id == bindparam("key"),
            key.c.revoked_at.is_(None),
            or_(key.c.expires_at.is_(None), key.c.expires_at > bindparam("at")),
        )
    )


class BusinessRows:
    """The last row seen of each business and the shared object built from it. Past `size` businesses the oldest
    go (built again when next seen)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._known: dict[Any, tuple[Sequence[Any], Business]] = {}
        self._lock = threading.Lock()

    def business(self, row: Sequence[Any], dialect: Dialect) -> Business:
        """The shared business of `row` (as the driver gave it for `statement()`)."""
        known = self._known.get(row[0])
        if known is not None and known[0] == row:
            return known[1]
        built = _built(row, dialect)
        with self._lock:
            while len(self._known) >= self.size:
                del self._known[next(iter(self._known))]
            self._known[row[0]] = (tuple(row), built)
        return built


def _built(row: Sequence[Any], dialect: Dialect) -> Business:
    pairs = zip(_converters(dialect), row, strict=True)
    values = {name: convert(value) if convert else value for (name, convert), value in pairs}
    built: Business = scoped.as_loaded(Business, values)  # it has its identity, and no session
    _shared.add(built)
    return built


@functools.cache
def _converters(dialect: Dialect) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """Each column's attribute name and its conversion from the driver's value, as the ORM would convert it."""
    mapper = Business.__mapper__
    return tuple(
        (mapper.get_property_by_column(column).key, column.type.dialect_impl(dialect).result_processor(dialect, None))
        for column in cast_table(Business).columns
    )


def _refuse_change(target: Business, value: Any, _old: Any, _initiator: Any) -> Any:
    if target in _shared:
        raise SharedBusinessChanged("This business is shared between requests and read only: load it to change it.")
    return value


for _attribute in Business.__mapper__.column_attrs:
    event.listen(getattr(Business, _attribute.key), "set", _refuse_change, retval=True)
