"""Exporting a business's members in the format `loyalty import` reads: what moves them to another house (or
back into an empty business of this one). Members are read a page at a time, so memory stays flat.

NDJSON carries every lot with its dates, the wallet and the consent log; CSV has one `points` column, so it
gives the total with the earliest expiry. Members whose data was erased, and members who never proved a contact
(pending), are not exported."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import Asset, Benefit, Business, ConsentChange, Member, PointsLot
from loyalty.members import access
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points
from loyalty.moving.rows import COLUMNS

PAGE = 500
FORMATS = ("ndjson", "csv")


def members(db: Database, who: Principal) -> Iterator[dict[str, Any]]:
    """Every exported member as an NDJSON record, a page per read transaction."""
    access.require_kind(who, "admin")
    after: uuid.UUID | None = None
    while True:
        with db.read() as session:
            business = access.business(session, who.business_id)
            page = _page(session, business, after)
        if not page:
            return
        after = uuid.UUID(page[-1].pop("_id"))
        for record in page:
            record.pop("_id", None)
        yield from page


def lines(db: Database, who: Principal, fmt: str) -> Iterator[str]:
    """The export file, a line at a time."""
    if fmt == "csv":
        yield _csv_line(list(COLUMNS))
        for record in members(db, who):
            yield _csv_line([_csv_value(record, name) for name in COLUMNS])
    else:
        for record in members(db, who):
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _page(session: Session, business: Business, after: uuid.UUID | None) -> list[dict[str, Any]]:
    query = (
        select(Member)
        .where(Member.business_id == business.id, Member.status.in_(("active", "blocked")))
        .order_by(Member.id)
        .limit(PAGE)
    )
    if after is not None:
        query = query.where(Member.id > after)
    found = list(session.scalars(query))
    if not found:
        return []
    ids = [member.id for member in found]
    lots: dict[uuid.UUID, list[PointsLot]] = defaultdict(list)
    for lot in session.scalars(
        select(PointsLot)
        .where(PointsLot.business_id == business.id, PointsLot.member_id.in_(ids), PointsLot.remaining > 0)
        .order_by(PointsLot.earned_at, PointsLot.id)
    ):
        lots[lot.member_id].append(lot)
    assets: dict[uuid.UUID, list[tuple[Asset, str]]] = defaultdict(list)
    for asset, name in session.execute(
        select(Asset, Benefit.name)
        .join(Benefit, Benefit.id == Asset.benefit_id)
        .where(Asset.business_id == business.id, Asset.member_id.in_(ids), Asset.status == "active")
        .order_by(Asset.granted_at, Asset.id)
    ):
        assets[asset.member_id].append((asset, name))
    log: dict[uuid.UUID, list[ConsentChange]] = defaultdict(list)
    for change in session.scalars(
        select(ConsentChange)
        .where(ConsentChange.business_id == business.id, ConsentChange.member_id.in_(ids))
        .order_by(ConsentChange.at, ConsentChange.id)
    ):
        log[change.member_id].append(change)
    exponent = currency_exponent(business.currency)
    return [_record(member, lots[member.id], assets[member.id], log[member.id], exponent) for member in found]


def _record(
    member: Member,
    lots: list[PointsLot],
    assets: list[tuple[Asset, str]],
    log: list[ConsentChange],
    exponent: int,
) -> dict[str, Any]:
    return {
        "external_id": member.external_id or str(member.id),
        "phone": member.phone,
        "email": member.email,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "birthday": member.birthday.isoformat() if member.birthday else None,
        "member_number": member.member_number,
        "status": member.status,
        "joined_at": (member.joined_at or member.created_at).isoformat(),
        "tags": list(member.tags or []),
        "consent_terms": member.consent_terms,
        "consent_sms": member.consent_sms,
        "consent_email": member.consent_email,
        "lots": [
            {
                "points": str(hundredths_to_points(lot.remaining)),
                "earned_at": lot.earned_at.isoformat(),
                "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
            }
            for lot in lots
        ],
        "credit": str(from_minor(member.credit_balance, exponent)),
        "benefits": [
            {
                "benefit_id": str(asset.benefit_id),
                "name": name,
                "granted_at": asset.granted_at.isoformat(),
                "valid_until": asset.valid_until.isoformat() if asset.valid_until else None,
            }
            for asset, name in assets
        ],
        "consents": [{"purpose": change.purpose, "given": change.given, "at": change.at.isoformat()} for change in log],
        "_id": str(member.id),
    }


def _csv_value(record: dict[str, Any], name: str) -> str:
    if name == "points":
        total = sum((Decimal(lot["points"]) for lot in record["lots"]), Decimal(0))
        return str(total) if record["lots"] else ""
    if name == "points_expire_at":
        dates = [lot["expires_at"] for lot in record["lots"] if lot["expires_at"]]
        return min(dates) if dates else ""
    if name == "tags":
        return ";".join(record["tags"])
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()
