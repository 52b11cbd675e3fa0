"""A member's data report (`GET /v1/members/{id}/data`, `GET /v1/me/data`): everything the house holds about
them, as JSON or as CSV files in a zip: the member row, the consent log, the points ledger, purchases, the
wallet, stored credit, punch cards and app sessions."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.db.engine import Database
from loyalty.db.models import (
    ApiKey,
    Asset,
    Benefit,
    Business,
    LedgerEntry,
    LedgerTransaction,
    Member,
    MemberPunchCard,
    PunchCard,
    Purchase,
)
from loyalty.errors import Forbidden
from loyalty.members import access, consents
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, from_minor, hundredths_to_points

SECTIONS = ("member", "consents", "ledger", "purchases", "wallet", "credit", "punch_cards", "sessions")


def of_member(db: Database, who: Principal, member_id: uuid.UUID) -> dict[str, Any]:
    """The report on a member of the admin's business."""
    access.require_kind(who, "admin")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return _report(session, business, members.get(session, business_id=business.id, member_id=member_id))


def mine(db: Database, who: Principal) -> dict[str, Any]:
    """The logged-in member's own report."""
    if who.kind != "member" or who.member_id is None:
        raise Forbidden("forbidden", "A member's own data is read with their member key.")
    with db.read() as session:
        business = access.business(session, who.business_id)
        return _report(session, business, members.get(session, business_id=business.id, member_id=who.member_id))


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _report(session: Session, business: Business, member: Member) -> dict[str, Any]:
    exponent = currency_exponent(business.currency)

    def money(minor: int) -> str:
        return str(from_minor(int(minor), exponent))

    mine = (business.id, member.id)
    return {
        "member": {
            "id": str(member.id),
            "external_id": member.external_id,
            "status": member.status,
            "phone": member.phone,
            "email": member.email,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "birthday": member.birthday.isoformat() if member.birthday else None,
            "member_number": member.member_number,
            "tags": list(member.tags or []),
            "consent": consents.current(member),
            "points_balance": str(hundredths_to_points(member.points_balance)),
            "lifetime_points": str(hundredths_to_points(member.lifetime_points)),
            "credit_balance": money(member.credit_balance),
            "tier": member.tier,
            "created_at": _time(member.created_at),
            "joined_at": _time(member.joined_at),
            "phone_verified_at": _time(member.phone_verified_at),
            "email_verified_at": _time(member.email_verified_at),
            "erased_at": _time(member.erased_at),
        },
        "consents": consents.history(session, business_id=business.id, member_id=member.id),
        "ledger": _entries(session, mine, "member", lambda amount: str(hundredths_to_points(amount))),
        "purchases": [
            {
                "id": str(row.id),
                "transaction_id": row.transaction_id,
                "status": row.status,
                "total": money(row.total_minor),
                "discount": money(row.discount_minor),
                "points_earned": str(hundredths_to_points(row.points_earned)),
                "created_at": _time(row.created_at),
                "cancelled_at": _time(row.cancelled_at),
            }
            for row in session.scalars(
                select(Purchase)
                .where(Purchase.business_id == business.id, Purchase.member_id == member.id)
                .order_by(Purchase.created_at, Purchase.id)
            )
        ],
        "wallet": [
            {
                "id": str(asset.id),
                "benefit": name,
                "status": asset.status,
                "source": asset.source,
                "granted_at": _time(asset.granted_at),
                "valid_until": _time(asset.valid_until),
                "redeemed_at": _time(asset.redeemed_at),
            }
            for asset, name in session.execute(
                select(Asset, Benefit.name)
                .join(Benefit, Benefit.id == Asset.benefit_id)
                .where(Asset.business_id == business.id, Asset.member_id == member.id)
                .order_by(Asset.granted_at, Asset.id)
            )
        ],
        "credit": _entries(session, mine, "credit", money),
        "punch_cards": [
            {"punch_card": name, "punches": card.punches, "completed": card.completed, "since": _time(card.created_at)}
            for card, name in session.execute(
                select(MemberPunchCard, PunchCard.name)
                .join(PunchCard, PunchCard.id == MemberPunchCard.punch_card_id)
                .where(MemberPunchCard.business_id == business.id, MemberPunchCard.member_id == member.id)
                .order_by(MemberPunchCard.created_at)
            )
        ],
        "sessions": [
            {
                "id": str(key.id),
                "started_at": _time(key.created_at),
                "expires_at": _time(key.expires_at),
                "ended_at": _time(key.revoked_at),
            }
            for key in session.scalars(
                select(ApiKey)
                .where(ApiKey.business_id == business.id, ApiKey.kind == "member", ApiKey.member_id == member.id)
                .order_by(ApiKey.created_at)
            )
        ],
    }


def _entries(session: Session, mine: tuple[uuid.UUID, uuid.UUID], account: str, shown: Any) -> list[dict[str, Any]]:
    business_id, member_id = mine
    rows = session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.kind,
            LedgerEntry.amount,
            LedgerTransaction.reason,
            LedgerTransaction.purchase_id,
            LedgerTransaction.created_at,
        )
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.business_id == business_id,
            LedgerEntry.member_id == member_id,
            LedgerEntry.account == account,
        )
        .order_by(LedgerTransaction.created_at, LedgerTransaction.id)
    )
    return [
        {
            "id": str(txn_id),
            "kind": kind,
            "amount": shown(int(amount)),
            "reason": reason,
            "purchase_id": str(purchase_id) if purchase_id else None,
            "at": _time(at),
        }
        for txn_id, kind, amount, reason, purchase_id, at in rows
    ]


def as_zip(report: dict[str, Any]) -> bytes:
    """The report as one CSV file per section (the member's own as one row, its consent flags flattened)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS:
            value = report[section]
            rows = [_flat(value)] if isinstance(value, dict) else [_flat(row) for row in value]
            text = io.StringIO()
            columns = list(rows[0]) if rows else []
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            if columns:
                writer.writeheader()
                writer.writerows(rows)
            archive.writestr(f"{section}.csv", text.getvalue())
    return out.getvalue()


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{name}_{key}": inner for key, inner in value.items()})
        elif isinstance(value, list):
            flat[name] = ";".join(str(item) for item in value)
        else:
            flat[name] = "" if value is None else value
    return flat
