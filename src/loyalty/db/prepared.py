"""Core statements of the busy paths compiled once per dialect, for the driver's own cursor: their SQL, the order of
their parameters, and each value converted by its column's own bind processor, as SQLAlchemy would, without its
per-execution work (which costs several times the driver's own on a purchase's small statements)."""

from __future__ import annotations

import collections
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
    """A Core statement compiled once for one dialect: its SQL, what it answers (each column's key and type), and
    `parameters`, which turns the values given by name into what the driver takes: each converted by its column's
    bind processor, in the order of the SQL's question marks (or by name)."""

    sql: str
    parameters: Callable[[Mapping[str, Any]], Any]
    columns: tuple[tuple[str, Any], ...] = ()


def _converter(
    names: tuple[str, ...], fixed: Mapping[str, Any], processors: Mapping[str, Callable[[Any], Any]], positional: bool
) -> Callable[[Mapping[str, Any]], Any]:
    """One function per statement that picks and converts its values, written out for it as dataclasses and
    SQLAlchemy write theirs: a loop over a statement's parameters costs as much again as the conversions. A value
    the statement carries itself (`fixed`) is used when none is given; a name may stand at several places."""
    scope: dict[str, Any] = {}
    lines = []
    local = {name: f"v{index}" for index, name in enumerate(dict.fromkeys(names))}  # each name once, in order
    for index, name in enumerate(local):
        value = f"values[{name!r}]"
        if name in fixed:
            scope[f"f{index}"] = fixed[name]
            value = f"values.get({name!r}, f{index})"
        if name in processors:
            scope[f"p{index}"] = processors[name]
            value = f"p{index}({value})"
        lines.append(f"    {local[name]} = {value}")
    if positional:
        answer = "(" + "".join(f"{local[name]}, " for name in names) + ")"
    else:
        answer = "{" + ", ".join(f"{name!r}: {variable}" for name, variable in local.items()) + "}"
    source = "def parameters(values):\n" + "\n".join(lines) + f"\n    return {answer}\n"
    exec(source, scope)  # our own statements' bind names, each written as a string literal
    return scope["parameters"]  # type: ignore[no-any-return]


# Keyed by the statement object: the statements given are built once (module constants or caches of their own).
_prepared: dict[tuple[Any, str, tuple[str, ...] | None], Prepared] = {}


def prepared(statement: Any, dialect: Dialect, keys: tuple[str, ...] | None = None) -> Prepared:
    """`statement` (for an INSERT, of the columns `keys`) compiled for `dialect`, once."""
    found = _prepared.get((statement, dialect.name, keys))
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    binds = compiled.binds
    processors = {}
    for name, bind in binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    fixed = {name: bind.value for name, bind in binds.items() if bind.value is not None and not bind.required}
    names = tuple(compiled.positiontup) if compiled.positional else tuple(binds)
    columns = tuple((column.keyname, column.type) for column in compiled._result_columns)
    found = Prepared(compiled.string, _converter(names, fixed, processors, compiled.positional), columns)
    _prepared[(statement, dialect.name, keys)] = found
    return found


def reader(
    plan: Prepared, dialect: Dialect, cursor: Any, into: Callable[..., Any] | None = None
) -> Callable[[Any], Any]:
    """What turns a row of `plan`'s answer, as the driver gives it, into a named tuple of its columns' keys (or
    `into(*values)`), each value converted by its column's type as SQLAlchemy would. Built from the first answer's
    description in `cursor` (the driver's type codes, the same for every answer of one statement): psycopg
    builds that description anew each time it is asked."""
    key = (plan, dialect.name, into)
    found = _readers.get(key)
    if found is not None:
        return found
    make: Callable[..., Any] = into or collections.namedtuple("Record", [name for name, _ in plan.columns])
    codes = [column[1] for column in cursor.description]
    converts = [
        type_._cached_result_processor(dialect, code) for (_, type_), code in zip(plan.columns, codes, strict=True)
    ]

    def read(row: Any) -> Any:
        return make(*[convert(value) if convert else value for convert, value in zip(converts, row, strict=True)])

    _readers[key] = read
    return read


_readers: dict[tuple[Prepared, str, Any], Callable[[Any], Any]] = {}
