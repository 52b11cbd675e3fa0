"""Which SQL statements name their business: a recorder of every statement sent, and a checker of each.

A statement names its business when every business table it reads, joins, locks, updates or deletes from is held to
one business by an equality on its `business_id` (`business.id` for the business table itself): against a bound
value, or against the `business_id` of another table that is itself held so (a join on the business, or a
correlated subquery's outer row). Only conditions every row must meet count: the top-level `AND` of a `WHERE` or
of a join's `ON`, never one branch of an `OR`. An INSERT into a business table names the business as a column.

Statements are parsed with sqlglot, a real SQL parser, rather than matched with patterns: a filter's place in the
tree (which `SELECT` of a subquery it belongs to, which join's `ON`, under an `OR` or not) is what decides, and a
pattern cannot see it. A statement it cannot parse is reported, never passed.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
from sqlalchemy import Engine, event
from sqlglot import exp

from loyalty.db import prepared

SOURCE = str(Path(__file__).resolve().parents[2] / "src" / "loyalty")
SKIPPED_MODULES = ("loyalty.db.engine",)  # the transaction runner: every statement passes through it


@dataclass(frozen=True)
class Sent:
    """One statement as sent, and the functions of ours that sent it, innermost first (`module.function:line`)."""

    sql: str
    origin: tuple[str, ...]

    @property
    def sender(self) -> str:
        """The innermost function of ours on the stack: the one that built the statement."""
        return self.origin[0].split(":")[0] if self.origin else "?"


@dataclass
class Recorder:
    statements: list[Sent] = field(default_factory=list)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        self.statements.append(Sent(statement, _our_frames()))


def _our_frames() -> tuple[str, ...]:
    frames = []
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(SOURCE):
            continue
        module = "loyalty." + frame.filename[len(SOURCE) + 1 : -3].replace("/", ".").removesuffix(".__init__")
        if module not in SKIPPED_MODULES:
            frames.append(f"{module}.{frame.name}:{frame.lineno}")
    return tuple(frames)


@contextmanager
def recording() -> Iterator[Recorder]:
    """Every statement any engine of this process sends meanwhile (the app's, the CLI's)."""
    recorder = Recorder()

    # Sent on the driver's cursor (loyalty.db.later): seen by its caller.
    def direct(sql: str, _parameters: Any, _queued: bool) -> None:
        recorder.statements.append(Sent(sql, _our_frames()))

    event.listen(Engine, "before_cursor_execute", recorder)
    prepared.observers.append(direct)
    try:
        yield recorder
    finally:
        event.remove(Engine, "before_cursor_execute", recorder)
        prepared.observers.remove(direct)


@dataclass(frozen=True)
class Tables:
    """The tables of a business: by the column that holds their business (`business_id`, or `id` for `business`)."""

    column: dict[str, str]

    def business_column(self, table: str) -> str | None:
        return self.column.get(table)


def problems(sql: str, tables: Tables) -> list[str]:
    """Why `sql` does not name its business (nothing when it does)."""
    try:
        parsed = sqlglot.parse(sql, read="postgres")
    except sqlglot.errors.ParseError as error:
        return [f"cannot be parsed, so cannot be checked: {str(error).splitlines()[0]}"]
    found: list[str] = []
    held: set[str] = set()  # aliases held to one business, over every scope seen (outer scopes come first)
    for statement in parsed:
        if statement is None:
            continue
        for node in statement.walk():
            if isinstance(node, exp.Insert):
                found += _insert_problems(node, tables)
            elif isinstance(node, exp.Select | exp.Update | exp.Delete):
                found += _scope_problems(node, tables, held)
    return found


def reads_only(sql: str) -> bool:
    """A plain read: one SELECT that takes no row lock."""
    parsed = sqlglot.parse(sql, read="postgres")
    return len(parsed) == 1 and isinstance(parsed[0], exp.Select) and not parsed[0].args.get("locks")


def _insert_problems(node: exp.Insert, tables: Tables) -> list[str]:
    target = node.this
    columns = [column.name for column in target.expressions] if isinstance(target, exp.Schema) else None
    table = target.this if isinstance(target, exp.Schema) else target
    own = tables.business_column(table.name) if isinstance(table, exp.Table) else None
    if own is None or (columns is not None and own in columns):
        return []
    return [f"INSERT INTO {table.name} does not carry {own} as a column"]


def _sources(node: exp.Expression) -> dict[str, exp.Table]:
    """The tables this SELECT, UPDATE or DELETE reads itself (subqueries are scopes of their own), by alias."""
    candidates: list[exp.Expression | None] = []
    if isinstance(node, exp.Update | exp.Delete):
        candidates.append(node.this)
    for key in ("from", "from_", "using"):
        value = node.args.get(key)
        candidates += value if isinstance(value, list) else [value]
    candidates += [join.this for join in node.args.get("joins") or []]
    sources: dict[str, exp.Table] = {}
    for candidate in candidates:
        table = candidate.this if isinstance(candidate, exp.From) else candidate
        if isinstance(table, exp.Table) and isinstance(table.this, exp.Identifier):
            sources[table.alias_or_name] = table
    return sources


def _conjuncts(condition: exp.Expression | None) -> Iterator[exp.Expression]:
    if condition is None:
        return
    if isinstance(condition, exp.Where | exp.Paren):
        yield from _conjuncts(condition.this)
    elif isinstance(condition, exp.And):
        yield from _conjuncts(condition.this)
        yield from _conjuncts(condition.expression)
    else:
        yield condition


def _is_value(expression: exp.Expression) -> bool:
    while isinstance(expression, exp.Cast | exp.Paren):
        expression = expression.this
    return isinstance(expression, exp.Placeholder | exp.Parameter | exp.Literal)


def _scope_problems(node: exp.Expression, tables: Tables, held: set[str]) -> list[str]:
    sources = _sources(node)
    of_business = {alias: table.name for alias, table in sources.items() if tables.business_column(table.name)}
    if not of_business:
        return []

    def business_alias(expression: exp.Expression) -> str | None:
        """The alias whose business column this is, if it is one (of this scope, or of an outer one)."""
        if not isinstance(expression, exp.Column):
            return None
        alias = expression.table or (next(iter(sources)) if len(sources) == 1 else "")
        table = sources[alias].name if alias in sources else None
        if table is None:  # an outer scope's row: SQLAlchemy names those by table or alias
            outer = expression.name == "business_id" or tables.business_column(alias) == expression.name == "id"
            return alias if alias and outer else None
        return alias if tables.business_column(table) == expression.name else None

    conditions = [node.args.get("where")] + [join.args.get("on") for join in node.args.get("joins") or []]
    pinned: set[str] = set()
    links: list[tuple[str, str]] = []
    for condition in conditions:
        for term in _conjuncts(condition):
            if isinstance(term, exp.EQ):
                left, right = business_alias(term.this), business_alias(term.expression)
                if left and _is_value(term.expression):
                    pinned.add(left)
                elif right and _is_value(term.this):
                    pinned.add(right)
                elif left and right:
                    links.append((left, right))
            elif isinstance(term, exp.In) and len(term.expressions) == 1 and _is_value(term.expressions[0]):
                alias = business_alias(term.this)
                if alias:
                    pinned.add(alias)
    # Outer rows already held count here only through a link: aliases of this scope shadow outer ones.
    pinned |= {alias for pair in links for alias in pair if alias not in sources and alias in held}
    changed = True
    while changed:
        changed = False
        for left, right in links:
            if (left in pinned) != (right in pinned):
                pinned |= {left, right}
                changed = True
    held |= {alias for alias in pinned if alias in sources}
    kind = type(node).__name__.upper()
    return [
        f"{kind} on {table}{'' if alias == table else f' (as {alias})'} does not name the business"
        for alias, table in of_business.items()
        if alias not in pinned
    ]
