"""A member's punches: a purchase's punches applied (a filled card grants its reward), taken back by returns
and cancels, shown, and verified against their entries."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.db import scoped
from loyalty.db.models import Asset, Benefit, Business, MemberPunchCard, PunchCard, PunchEntry, PurchaseLine
from loyalty.i18n import reader
from loyalty.i18n.names import names_out
from loyalty.wallet import benefits


@dataclass
class Punched:
    """What a purchase did to one card, as recorded."""

    punch: engine.Punch
    after: int
    filled: int
    rewards: list[uuid.UUID] = field(default_factory=list)


def member_punches(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> dict[str, int]:
    query = select(MemberPunchCard.punch_card_id, MemberPunchCard.punches).where(
        MemberPunchCard.business_id == business_id, MemberPunchCard.member_id == member_id
    )
    return {str(card_id): punches for card_id, punches in session.execute(query)}


def member_cards(session: Session, *, business_id: uuid.UUID, member_id: uuid.UUID) -> list[dict[str, Any]]:
    """One entry per punch card the member has punched (GET /v1/members/{id}/punch-cards)."""
    query = (
        select(MemberPunchCard, PunchCard)
        .join(
            PunchCard,
            (PunchCard.business_id == MemberPunchCard.business_id) & (PunchCard.id == MemberPunchCard.punch_card_id),
        )
        .where(MemberPunchCard.business_id == business_id, MemberPunchCard.member_id == member_id)
        .order_by(PunchCard.created_at, PunchCard.id)
    )
    return [
        {
            "punch_card_id": str(card.id),
            "name": card.name,
            "names": names_out(card.names),
            "punches": progress.punches,
            "punches_required": int(card.definition["punches_required"]),
            "completed": progress.completed,
            "status": card.status,
        }
        for progress, card in session.execute(query)
    ]


def apply(
    session: Session,
    *,
    business: Business,
    member_id: uuid.UUID,
    punches: Sequence[engine.Punch],
    purchase_id: uuid.UUID,
    at: datetime,
) -> list[Punched]:
    """Write the punches of a confirmed purchase: add, fill, reward, start the next card with the overflow."""
    done = []
    for punch in punches:
        assert punch.punch_card_id is not None
        card = scoped.get(session, PunchCard, uuid.UUID(punch.punch_card_id), business_id=business.id)
        assert card is not None
        progress = _member_card(session, business, member_id, card.id, at)
        punches_now = _move(session, progress.id, punch.added, business_id=business.id)
        session.add(
            PunchEntry(
                business_id=business.id,
                member_card_id=progress.id,
                kind="punch",
                punches=punch.added,
                purchase_id=purchase_id,
                lines=dict(punch.lines),
                reason=punch.explanation,
                created_at=at,
            )
        )
        required = int(card.definition["punches_required"])
        reward = scoped.get(session, Benefit, card.reward_benefit_id, business_id=business.id)
        filled = punches_now // required if reward is not None and reward.status == "active" else 0
        result = Punched(punch, punches_now, filled)
        if filled:
            # Every card this sale fills at once: one grant of the rewards, one move of the punches.
            rewards = benefits.grant_many(
                session,
                business=business,
                member_id=member_id,
                benefit_id=card.reward_benefit_id,
                source=f"punch:{card.id}",
                at=at,
                count=filled,
            )
            _move(session, progress.id, -required * filled, completed=filled, business_id=business.id)
            session.add_all(
                PunchEntry(
                    business_id=business.id,
                    member_card_id=progress.id,
                    kind="fill",
                    punches=-required,
                    purchase_id=purchase_id,
                    asset_id=asset.id,
                    reason=f"{card.name}: card full, reward granted",
                    created_at=at,
                )
                for asset in rewards
            )
            result.rewards.extend(asset.id for asset in rewards)
            result.after -= required * filled
        done.append(result)
    return done


def _member_card(
    session: Session, business: Business, member_id: uuid.UUID, card_id: uuid.UUID, at: datetime
) -> MemberPunchCard:
    """The member's card row, created at the first punch (a concurrent first punch: the other one's row)."""
    query = select(MemberPunchCard).where(
        MemberPunchCard.business_id == business.id,
        MemberPunchCard.member_id == member_id,
        MemberPunchCard.punch_card_id == card_id,
    )
    found = session.scalar(query)
    if found is not None:
        return found
    made = MemberPunchCard(business_id=business.id, member_id=member_id, punch_card_id=card_id, created_at=at)
    try:
        with session.begin_nested():
            session.add(made)
            session.flush()
    except IntegrityError:
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return made


def _move(
    session: Session, member_card_id: uuid.UUID, punches: int, *, completed: int = 0, business_id: uuid.UUID
) -> int:
    """Add `punches` (and `completed` cards) in one UPDATE that locks the row; the punches after it."""
    moved = session.execute(
        update(MemberPunchCard)
        .where(MemberPunchCard.business_id == business_id, MemberPunchCard.id == member_card_id)
        .values(punches=MemberPunchCard.punches + punches, completed=MemberPunchCard.completed + completed)
        .returning(MemberPunchCard.punches)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(moved)


def answer(business: Business, punched: Sequence[Punched]) -> list[dict[str, Any]]:
    speech = reader.speech_for(business)
    return [
        {
            "punch_card_id": item.punch.punch_card_id,
            "name": speech.name(item.punch.name, item.punch.names),
            "punches": item.punch.added,
            "card_punches": item.after,
            "punches_required": item.punch.punches_required,
            "completed": item.filled,
            "explanation": speech.explain(item.punch),
            "rewards": [str(asset_id) for asset_id in item.rewards],
        }
        for item in punched
    ]


def preview(punches: Sequence[engine.Punch], business: Business | None = None) -> list[dict[str, Any]]:
    """A quote's punches: what the sale would do, from the member's cards as they are now."""
    speech = reader.speech_for(business)
    return [
        {
            "punch_card_id": punch.punch_card_id,
            "name": speech.name(punch.name, punch.names),
            "punches": punch.added,
            "card_punches": punch.after,
            "punches_required": punch.punches_required,
            "completed": punch.filled,
            "explanation": speech.explain(punch),
        }
        for punch in punches
    ]


def take_back(
    session: Session,
    *,
    business: Business,
    purchase_id: uuid.UUID,
    returned: Mapping[str, tuple[Decimal, Decimal]] | None,
    reason: str,
    at: datetime,
) -> tuple[int, int]:
    """Take back the punches of a purchase's lines: all of them (`returned` None: a cancel), or for each
    returned line id (returned quantity so far, line quantity) its share. Returns (taken back, not recovered)."""
    taken_total = not_recovered = 0
    punched = session.scalars(
        select(PunchEntry)
        .where(PunchEntry.business_id == business.id, PunchEntry.purchase_id == purchase_id, PunchEntry.kind == "punch")
        .order_by(PunchEntry.created_at, PunchEntry.id)
    )
    for entry in list(punched):
        settled = _settled(session, purchase_id, entry.member_card_id, business_id=business.id)
        # A Simple Mode card punches the visit, not its units: the punch comes back only with the whole visit.
        visit_kept = returned is not None and _visit_kept(session, business, purchase_id, entry.member_card_id)
        wanted: dict[str, int] = {}
        for line_id, count in entry.lines.items():
            left = int(count) - settled.get(line_id, 0)
            if visit_kept:
                continue
            if returned is None or _simple(session, business, entry.member_card_id):
                due = left
            elif line_id in returned:
                returned_quantity, quantity = returned[line_id]
                keep = (Decimal(int(count)) * (quantity - returned_quantity) / quantity).to_integral_value(ROUND_FLOOR)
                due = left - int(keep)
            else:
                continue
            if due > 0:
                wanted[line_id] = due
        need = sum(wanted.values())
        if need <= 0:
            continue
        taken = _take(session, business, entry.member_card_id, need, at)
        session.add(
            PunchEntry(
                business_id=business.id,
                member_card_id=entry.member_card_id,
                kind="unpunch",
                punches=-taken,
                purchase_id=purchase_id,
                lines={line_id: -count for line_id, count in wanted.items()},
                reason=reason,
                created_at=at,
            )
        )
        taken_total += taken
        not_recovered += need - taken
    return taken_total, not_recovered


def _card_of(session: Session, business: Business, member_card_id: uuid.UUID) -> PunchCard | None:
    query = (
        select(PunchCard)
        .join(MemberPunchCard, MemberPunchCard.punch_card_id == PunchCard.id)
        .where(
            PunchCard.business_id == business.id,
            MemberPunchCard.business_id == business.id,
            MemberPunchCard.id == member_card_id,
        )
    )
    return session.scalar(query)


def _simple(session: Session, business: Business, member_card_id: uuid.UUID) -> bool:
    card = _card_of(session, business, member_card_id)
    return card is not None and card.definition.get("mode") == "simple"


def _visit_kept(session: Session, business: Business, purchase_id: uuid.UUID, member_card_id: uuid.UUID) -> bool:
    """On a Simple Mode card: some unit the card counts is still in the sale (1 of 2 tickets returned keeps it)."""
    card = _card_of(session, business, member_card_id)
    if card is None or card.definition.get("mode") != "simple":
        return False
    selector = engine.parse_punch_card(card.definition).items
    lines = session.scalars(
        select(PurchaseLine).where(PurchaseLine.business_id == business.id, PurchaseLine.purchase_id == purchase_id)
    )
    for line in lines:
        kept = Decimal(line.quantity) - Decimal(line.returned_quantity)
        facts = engine.Line(
            line_id=line.line_id,
            code=line.code,
            amount=Decimal(line.amount_minor),
            quantity=Decimal(line.quantity),
            name=line.name,
            department=line.department or None,
            tags=tuple(line.tags or ()),
        )
        if kept > 0 and line.amount_minor > line.discount_minor and selector.matches(facts):
            return True
    return False


def _settled(
    session: Session, purchase_id: uuid.UUID, member_card_id: uuid.UUID, *, business_id: uuid.UUID
) -> dict[str, int]:
    """Per line, the punches earlier returns of this purchase already settled (taken back or not recovered)."""
    settled: dict[str, int] = {}
    for lines in session.scalars(
        select(PunchEntry.lines).where(
            PunchEntry.business_id == business_id,
            PunchEntry.purchase_id == purchase_id,
            PunchEntry.member_card_id == member_card_id,
            PunchEntry.kind == "unpunch",
        )
    ):
        for line_id, count in lines.items():
            settled[line_id] = settled.get(line_id, 0) - int(count)
    return settled


def _take(session: Session, business: Business, member_card_id: uuid.UUID, need: int, at: datetime) -> int:
    """Take `need` punches from the open card, withdrawing unused rewards (latest first) when it has fewer."""
    taken = 0
    while True:
        have = _move(session, member_card_id, 0, business_id=business.id)  # locks the row, reads the punches
        now_taken = min(need - taken, have)
        if now_taken:
            _move(session, member_card_id, -now_taken, business_id=business.id)
            taken += now_taken
        if taken >= need or not _withdraw_latest_reward(session, business, member_card_id, at):
            return taken


def _withdraw_latest_reward(session: Session, business: Business, member_card_id: uuid.UUID, at: datetime) -> bool:
    """Withdraw the latest still unused reward of the card and put its card's punches back; False when none."""
    withdrawn = select(PunchEntry.asset_id).where(
        PunchEntry.business_id == business.id, PunchEntry.member_card_id == member_card_id, PunchEntry.kind == "unfill"
    )
    fills = session.execute(
        select(PunchEntry.asset_id, PunchEntry.punches)
        .join(Asset, (Asset.business_id == PunchEntry.business_id) & (Asset.id == PunchEntry.asset_id))
        .where(
            PunchEntry.business_id == business.id,
            PunchEntry.member_card_id == member_card_id,
            PunchEntry.kind == "fill",
            Asset.status == "active",
            PunchEntry.asset_id.not_in(withdrawn),
        )
        .order_by(PunchEntry.created_at.desc(), PunchEntry.id.desc())
    ).all()
    for asset_id, punches in fills:
        gone = session.execute(
            update(Asset)
            .where(Asset.business_id == business.id, Asset.id == asset_id, Asset.status == "active")
            .values(status="deactivated")
            .execution_options(synchronize_session=False)
        )
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            continue  # redeemed at another till just now
        _move(session, member_card_id, -punches, completed=-1, business_id=business.id)
        session.add(
            PunchEntry(
                business_id=business.id,
                member_card_id=member_card_id,
                kind="unfill",
                punches=-punches,
                asset_id=asset_id,
                reason="reward withdrawn: its punches were returned",
                created_at=at,
            )
        )
        return True
    return False


def verify(session: Session) -> list[str]:
    """Every member card's punches equal the sum of its entries, its filled cards the fills less withdrawals,
    and no card is below zero."""
    sums = {
        card_id: int(total)
        for card_id, total in session.execute(
            select(PunchEntry.member_card_id, func.sum(PunchEntry.punches)).group_by(PunchEntry.member_card_id)
        )
    }
    fills: dict[uuid.UUID, int] = {}
    for card_id, kind, count in session.execute(
        select(PunchEntry.member_card_id, PunchEntry.kind, func.count())
        .where(PunchEntry.kind.in_(("fill", "unfill")))
        .group_by(PunchEntry.member_card_id, PunchEntry.kind)
    ):
        fills[card_id] = fills.get(card_id, 0) + (int(count) if kind == "fill" else -int(count))
    problems = []
    for card_id, member_id, punches, completed in session.execute(
        select(MemberPunchCard.id, MemberPunchCard.member_id, MemberPunchCard.punches, MemberPunchCard.completed)
    ):
        card = f"member {member_id} punch card {card_id}"
        if punches != sums.get(card_id, 0):
            problems.append(f"{card} has {punches} punches but entries sum to {sums.get(card_id, 0)}")
        if completed != fills.get(card_id, 0):
            problems.append(f"{card} completed {completed} but has {fills.get(card_id, 0)} fills")
        if punches < 0:
            problems.append(f"{card} has {punches} punches, below zero")
    return problems
