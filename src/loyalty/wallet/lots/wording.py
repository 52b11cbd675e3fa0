"""Lots in a member's words: the day points expire, when pending points become spendable."""

from __future__ import annotations

from datetime import datetime

from loyalty.db.models import PointsLot
from loyalty.i18n import Speech


def lot_detail(lot: PointsLot, timezone: str, at: datetime, speech: Speech | None = None) -> str:
    """ "Spendable from 3 April 2027" for pending points, "Spendable since …" once released, and the expiry."""
    speech = speech or Speech.of("en")
    parts = []
    if lot.available_at > at:
        parts.append(speech.tr("Pending: spendable from {day}", day=speech.day(lot.available_at, timezone)))
    elif lot.available_at > lot.earned_at:
        parts.append(speech.tr("Spendable since {day}", day=speech.day(lot.available_at, timezone)))
    if lot.expires_at is not None:
        day = speech.last_day(lot.expires_at, timezone)
        expired = lot.expires_at <= at
        parts.append(speech.tr("Expired on {day}", day=day) if expired else speech.tr("Expire on {day}", day=day))
    return " · ".join(parts)
