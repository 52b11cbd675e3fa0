"""Core statements of the busy paths compiled once per dialect, for the driver's own cursor: their SQL, the order of
their parameters, and each value converted by its column's own bind processor, as SQLAlchemy would, without its
per-execution work (which costs several times the driver's own on a purchase's small statements)."""

from __future__ import annotations

import collections
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect

# Called with each statement sent on the driver's cursor, by its caller, with its parameters as the driver gets them
# (a list of them for a queued one) and whether it was queued: tests check and benchmarks count statements with it,
# as with SQLAlchemy's before_cursor_execute for the others. Empty in production.
observers: list[Callable[[str, Any, bool], None]] = []


@dataclass(frozen=True, eq=False)  # one per statement and dialect: known by identity
class Prepared:
    """A Core statement compiled once for one dialect: its SQL, its parameters' order (None: named), the
    values it carries itself, and the conversion of each parameter."""

    sql: str
    order: tuple[str, ...] | None
    fixed: Mapping[str, Any]
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    columns: tuple[tuple[str, Any], ...] = ()  # what it answers: each column's key and type

    def parameters(self, values: Mapping[str, Any]) -> Any:
        row = {**self.fixed, **values} if self.fixed else dict(values)
        for name, process in self.processors:
            row[name] = process(row[name])
        return row if self.order is None else self._positional(row)

    @functools.cached_property
    def _positional(self) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
        """The values in the order of the SQL's question marks, picked in one C call."""
        assert self.order is not None
        if len(self.order) == 1:
            only = self.order[0]
            return lambda row: (row[only],)
        return operator.itemgetter(*self.order)


# Keyed by the statement object: the statements given are built once (module constants or caches of their own).
_prepared: dict[tuple[Any, str, tuple[str, ...] | None], Prepared] = {}


def prepared(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None = None) -> Prepared:
    """`statement` (for an INSERT, of the columns `keys`) compiled for `dialect`, once."""
    found = _prepared.get((statement, dialect.name, keys))
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    binds = compiled.binds
    processors = []
    for name, bind in binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    fixed = {name: bind.value for name, bind in binds.items() if bind.value is not None}
    order = tuple(compiled.positiontup) if compiled.positional else None
    columns = tuple((column.keyname, column.type) for column in compiled._result_columns)
    found = Prepared(compiled.string, order, fixed, tuple(processors), columns)
    _prepared[(statement, dialect.name, keys)] = found
    return found


def reader(
    plan: Prepared, dialect: Dialect, description: Any, into: Callable[..., Any] | None = None
) -> Callable[[Any], Any]:
    """What turns a row of `plan`'s answer, as the driver gives it, into a named tuple of its columns' keys (or
    `into(*values)`), each value converted by its column's type as SQLAlchemy would (the driver's type codes are in
    `description`)."""
    key = (plan, dialect.name, tuple(column[1] for column in description), into)
    found = _readers.get(key)
    if found is not None:
        return found
    make: Callable[..., Any] = into or collections.namedtuple("Record", [name for name, _ in plan.columns])
    converts = [
        type_._cached_result_processor(dialect, code) for (_, type_), code in zip(plan.columns, key[2], strict=True)
    ]

    def read(row: Any) -> Any:
        return make(*[convert(value) if convert else value for convert, value in zip(converts, row, strict=True)])

    _readers[key] = read
    return read


_readers: dict[tuple[Prepared, str, tuple[Any, ...], Any], Callable[[Any], Any]] = {}
