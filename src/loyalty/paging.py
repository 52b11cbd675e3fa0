"""Keyset paging: an opaque cursor that names the last row seen by its (time, id).

Offsets skip or repeat rows while members register between two pages; a keyset does not.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from loyalty.errors import InvalidInput

Query = TypeVar("Query", bound=Select)  # type: ignore[type-arg]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class Position:
    at: datetime
    id: uuid.UUID


def encode(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        position = Position(datetime.fromisoformat(at), uuid.UUID(row_id))
    except (ValueError, TypeError):
        raise InvalidInput("cursor", "is not a cursor this server gave out") from None
    if position.at.tzinfo is None:
        raise InvalidInput("cursor", "is not a cursor this server gave out")
    return position


def newest_first(
    query: Query,
    at: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[uuid.UUID],
    cursor: str | None,
    limit: int,
) -> Query:
    """`query` ordered newest first, after the cursor, one row more than `limit` (to know if a page follows)."""
    position = decode(cursor)
    if position is not None:
        query = query.where(or_(at < position.at, and_(at == position.at, row_id < position.id)))
    return query.order_by(at.desc(), row_id.desc()).limit(limit + 1)
