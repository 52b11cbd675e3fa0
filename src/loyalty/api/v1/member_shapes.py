"""The Member object and its wallet entries, as every endpoint that answers with a member shows them: the
services' cards (`members.cards`) under their public names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter

from loyalty.members import cards


class AssetOut(BaseModel):
    id: str
    benefit_id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The benefit's name per language; {} when none.")
    kind: str
    status: str = Field(description="active, redeemed, expired or deactivated")
    redeemable: bool
    reason: str | None = Field(
        description="Why it cannot be used now, in a sentence in the reader's language (Accept-Language); "
        "null when it can."
    )
    reason_code: str | None = Field(
        default=None, description="already_used, deactivated, expired or not_yet_valid; null when it can be used."
    )
    valid_from: datetime
    valid_until: datetime | None
    granted_at: datetime
    source: str
    redeemed_at: datetime | None


class ConsentOut(BaseModel):
    terms: bool
    sms: bool
    email: bool


class MemberOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    phone: str | None = Field(description="E.164 for admin keys; masked (+41 •• ••• •• 67) for pos keys; null if none.")
    email: str | None = Field(description="Masked for pos keys.")
    member_number: str | None
    birthday: date | None = Field(description="Not shown to pos keys.")
    status: str
    tags: list[str]
    consent: ConsentOut
    points_balance: str
    lifetime_points: str
    benefits: list[AssetOut] = Field(description="The wallet, usable entries first.")
    created_at: datetime
    credit_balance: str = Field(default="0.00", description="Stored credit, money in the business currency.")
    points_pending: str = Field(description="Earned points not spendable yet (not in points_balance).")
    pending_until: datetime | None = Field(
        default=None, description="When the last of the pending points becomes spendable; null with none pending."
    )
    next_expiry: NextExpiryOut | None = Field(description="The next moment points expire, and how many.")
    tier: str | None = Field(description="The member's tier; null without one.")
    tier_progress: TierProgressOut | None = Field(description="Null when the business has no tiers.")
    language: str | None = Field(
        default=None, description="en, fr, de or it: texts and e-mails to the member; null: the business's."
    )
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description="What a till's registration sent beyond these fields (gender, anniversary, Como's generic*). "
        "Not shown to pos keys.",
    )


class NextExpiryOut(BaseModel):
    at: datetime
    points: str


class TierProgressOut(BaseModel):
    earned: str = Field(description="Points earned in the tier window (less what returns took back).")
    next_tier: str | None = Field(description="The next tier up; null at the top.")
    next_threshold: str | None
    points_to_next: str | None = Field(description="Points still to earn for the next tier.")
    kept_until: datetime | None = Field(description="Until when the tier held is kept without earning more.")


# --- from the services' cards ---------------------------------------------------------------------


def member_out(card: cards.MemberCard) -> MemberOut:
    return MemberOut.model_validate(card, from_attributes=True)


_MEMBER_JSON = TypeAdapter(MemberOut)


def member_answer(card: cards.MemberCard) -> Response:
    """The member as FastAPI writes a route's `MemberOut` (one pass of Pydantic's JSON writer, by alias), for a route
    that answers often (identify): returned as a Response, FastAPI neither validates the model it was just built as
    again (in a worker thread, for a sync route) nor serialises it."""
    return Response(_MEMBER_JSON.dump_json(member_out(card), by_alias=True), media_type="application/json")


def asset_out(card: cards.AssetCard) -> AssetOut:
    return AssetOut.model_validate(card, from_attributes=True)
