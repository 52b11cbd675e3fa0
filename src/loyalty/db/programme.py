"""The version of a business's programme: what a sale evaluates (rules, punch cards, tiers) and the webhook endpoints
its events go to are read once and kept per business until `Business.rules_version` moves, and every change of them
moves that version in its own transaction."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from loyalty.db.models import Business

# Set on a session whose transaction changed the programme: what it reads is not kept, as it may roll back.
_UNCOMMITTED_RULES = "loyalty.rules_changed"
_cache_lock = threading.Lock()


def cached_for(cache: dict[uuid.UUID, tuple[int, Any]], session: Session, business: Business, read: Any) -> Any:
    """What `read()` gives for `business`, kept in `cache` until its rules version moves (the version moves with
    every change of what a sale evaluates: rules, punch cards, tiers). A value read by a transaction that changed
    them itself is not kept: it may roll back, and the next attempt reach the same version number with other
    rows."""
    if session.info.get(_UNCOMMITTED_RULES):
        return read()
    cached = cache.get(business.id)
    if cached is not None and cached[0] == business.rules_version:
        return cached[1]
    value = read()
    with _cache_lock:
        cache[business.id] = (business.rules_version, value)
    return value


def changed(session: Session, business: Business) -> None:
    """Something a sale evaluates changed (a rule, a punch card, the tiers): what was cached for the business is
    read again."""
    session.execute(update(Business).where(Business.id == business.id).values(rules_version=Business.rules_version + 1))
    session.info[_UNCOMMITTED_RULES] = True  # from here on, this transaction reads rather than keeps
