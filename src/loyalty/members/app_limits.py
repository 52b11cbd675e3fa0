"""How often the member app may be asked to send something: joins and login-code requests, per client address
and per business in a window. Each one sends a text or an e-mail the business pays for, to a number or address
anyone can type, so without a limit one script runs up the bill and texts strangers. The member's own limit
(`member_login.MAX_CODES_PER_HOUR`) still holds beside these.

A request is counted in a transaction of its own before the work, so a join refused later (a phone already
registered) still counts. The client address is kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import AppRequest, now
from loyalty.errors import LoyaltyError
from loyalty.members import access
from loyalty.settings import Settings


class TooManyRequests(LoyaltyError):
    """Too many joins or code requests from this client address or to this business (HTTP 429)."""

    code = "too_many_requests"

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(
            f"Too many requests from this {scope}; try again in {retry_after} seconds.",
            retry_after=retry_after,
            scope=scope,
        )
        self.retry_after = retry_after


def client_hash(business_id: uuid.UUID, client: str) -> str:
    return hmac.new(business_id.bytes, f"client:{client}".encode(), hashlib.sha256).hexdigest()


def admit(db: Database, business_id: uuid.UUID, client: str, settings: Settings) -> None:
    """Count one request from `client` to the business, or refuse it with TooManyRequests when the client's or the
    business's requests fill the window. Committed on its own."""
    window = timedelta(seconds=settings.app_window_seconds)
    hashed = client_hash(business_id, client)

    def work(session: Session) -> None:
        access.business(session, business_id)  # an unknown business is a 404 before anything is counted
        at = now()
        since = at - window
        mine = (AppRequest.business_id == business_id, AppRequest.client == hashed, AppRequest.at > since)
        everyone = (AppRequest.business_id == business_id, AppRequest.at > since)
        for scope, limit, where in (
            ("client address", settings.app_requests_per_client, mine),
            ("business", settings.app_requests_per_business, everyone),
        ):
            count = session.scalar(select(func.count()).where(*where)) or 0
            if count >= limit:
                oldest = session.scalar(
                    select(AppRequest.at).where(*where).order_by(AppRequest.at).offset(count - limit).limit(1)
                )
                wait = ((oldest or at) + window - at).total_seconds()
                raise TooManyRequests(max(1, math.ceil(wait)), scope)
        # Requests older than the window count for nothing; dropping them here keeps the table small.
        session.execute(delete(AppRequest).where(AppRequest.business_id == business_id, AppRequest.at <= since))
        session.add(AppRequest(business_id=business_id, client=hashed, at=at))

    db.write(work)
