"""A ready demo business: created once, then fresh keys on every call (keys are shown only once)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty import access
from loyalty.db.models import ApiKey, Business, Terminal, now

DEMO_NAME = "Cinema Lumière (demo)"


@dataclass(frozen=True)
class Demo:
    business_id: str
    admin_key: str
    pos_key: str
    created: bool


def ensure_demo(session: Session) -> Demo:
    business = session.scalar(select(Business).where(Business.name == DEMO_NAME))
    created = business is None
    if business is None:
        new = access.create_business(session, name=DEMO_NAME, currency="CHF", country="CH")
        business = new.business
        fill(session, business)
    for key in session.scalars(
        select(ApiKey).where(
            ApiKey.business_id == business.id, ApiKey.revoked_at.is_(None), ApiKey.kind.in_(("admin", "pos"))
        )
    ):
        key.revoked_at = now()  # the previous demo keys: only the freshly printed ones work
    terminal = session.scalars(
        select(Terminal).where(Terminal.business_id == business.id).order_by(Terminal.created_at)
    ).first()
    admin_key, _ = access.issue_key(session, business_id=business.id, kind="admin", name="demo admin")
    pos_key, _ = access.issue_key(session, business_id=business.id, kind="pos", name="demo till", terminal=terminal)
    return Demo(str(business.id), admin_key, pos_key, created)


def fill(session: Session, business: Business) -> None:
    """Members, rules, benefits and codes for the demo business."""
