"""Using a promo code outside a sale (`POST /v1/codes/redeem`): its points or benefits go to the member at once.

A code can be guessed, so every guard of a code typed at a till holds here too: the terminal's and the business's
limits are checked before the attempt, a failed guess is counted in a transaction of its own that commits even
though the call is refused, and a till learns no more from a refusal than "unknown" (used-up and unknown alike).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import overload

from sqlalchemy.orm import Session

from loyalty import idempotency
from loyalty.audit import record
from loyalty.campaigns import code_guessing, codes
from loyalty.db.engine import Database
from loyalty.db.models import now
from loyalty.errors import Forbidden
from loyalty.members import access, cards
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.settings import Settings


@dataclass(frozen=True)
class RedeemCode:
    code: str
    member_id: uuid.UUID


@dataclass(frozen=True)
class CodeRedeemed:
    code: str
    effect: str
    message: str
    points_earned: str
    granted: list[cards.AssetCard]
    member: cards.MemberCard


@overload
def redeem(
    db: Database, who: Principal, command: RedeemCode, settings: Settings, once: None = None
) -> CodeRedeemed: ...
@overload
def redeem(
    db: Database, who: Principal, command: RedeemCode, settings: Settings, once: idempotency.Once[CodeRedeemed]
) -> idempotency.Answer: ...
def redeem(
    db: Database,
    who: Principal,
    command: RedeemCode,
    settings: Settings,
    once: idempotency.Once[CodeRedeemed] | None = None,
) -> CodeRedeemed | idempotency.Answer:
    """Use the code for the member; with `once`, at most once per Idempotency-Key."""
    if who.kind not in ("admin", "pos"):
        raise Forbidden("forbidden", "Codes are redeemed with an admin or pos key.")

    def work(session: Session) -> CodeRedeemed:
        at = now()
        code_guessing.check(
            session, business_id=who.business_id, terminal_id=who.terminal_id, settings=settings, at=at, attempts=1
        )
        business = access.business(session, who.business_id)
        done = codes.redeem(session, business=business, text=command.code, member_id=command.member_id, at=at)
        record(
            session,
            business.id,
            actor=who.actor,
            action="code.redeem",
            obj=done.use,
            details={"code_id": str(done.code.id), "member_id": str(done.member.id)},
        )
        return CodeRedeemed(
            code=done.code.code,
            effect=done.code.effect,
            message=done.message,
            points_earned=members.format_points(business, done.points),
            granted=cards.asset_cards(session, business, done.assets, at),
            member=cards.card(session, business, done.member, who),
        )

    try:
        return idempotency.write(db, once, work)
    except codes.CodeRefused as refused:
        if refused.code in code_guessing.GUESSES:
            _note_guess(db, who, settings)
        raise codes.discreet(refused) if who.kind == "pos" else refused from None


def _note_guess(db: Database, who: Principal, settings: Settings) -> None:
    db.write(
        lambda session: code_guessing.note(
            session,
            business_id=who.business_id,
            terminal_id=who.terminal_id,
            settings=settings,
            at=now(),
            guesses=1,
        )
    )
