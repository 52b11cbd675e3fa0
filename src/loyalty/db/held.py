"""The business a transaction already holds: the caller's, as the key check read it (shared between requests and
read only, `members.business_rows`), or one loaded in the session. Asking costs no statement."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from loyalty.db.models import Business

_CALLER = "loyalty.caller_business"


def keep(session: Session, business: Business) -> None:
    """Hold the caller's business for the rest of the session's transaction."""
    session.info[_CALLER] = business


def business(session: Session, business_id: uuid.UUID) -> Business | None:
    """The business `business_id` if this transaction holds it, else None."""
    known: Business | None = session.info.get(_CALLER)
    if known is not None and known.id == business_id:
        return known
    loaded: Business | None = session.identity_map.get(identity_key(Business, business_id))
    return loaded
