"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, create_engine, inspect

from loyalty.db.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def _where(options: dict[str, Any], dialect: str) -> str | None:
    """An index's condition, spelled without brackets or case, or None (Alembic does not compare them)."""
    where = options.get(f"{dialect}_where")
    return None if where is None else "".join(ch for ch in str(where).lower() if ch not in "() ")


def test_migrated_partial_indexes_have_the_models_conditions(database_url: str) -> None:
    engine = create_engine(database_url)
    dialect = engine.dialect.name
    found = inspect(engine)
    for table in Base.metadata.sorted_tables:
        migrated = {
            index["name"]: _where(index.get("dialect_options", {}), dialect) for index in found.get_indexes(table.name)
        }
        for index in table.indexes:
            wanted = _where(dict(index.dialect_kwargs), dialect)
            assert migrated[index.name] == wanted, index.name
    engine.dispose()
    lots = Base.metadata.tables["points_lot"].indexes
    assert any(index.dialect_kwargs.get("sqlite_where") is not None for index in lots)  # there is one to compare


def test_no_index_is_the_beginning_of_another_key_of_its_table() -> None:
    """Such an index serves nothing the longer key does not, and costs a page more with every row written."""
    for table in Base.metadata.sorted_tables:
        whole = [index for index in table.indexes if index.dialect_kwargs.get("sqlite_where") is None]
        constraints = [c for c in table.constraints if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)]
        keys = [[column.name for column in key.columns] for key in [*whole, *constraints]]
        for index in whole:
            columns = [column.name for column in index.columns]
            longer = [key for key in keys if len(key) > len(columns) and key[: len(columns)] == columns]
            assert not longer, f"{index.name} begins {longer[0]}"
