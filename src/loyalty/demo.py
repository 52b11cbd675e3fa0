"""A ready demo business: created once, then fresh keys on every call (keys are shown only once).

Earlier keys stay valid: a till or a Campaign Center tab set up with them, or a second till's key made by hand,
keeps working when `make run` starts again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalty.campaigns import codes
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.models import Business, Terminal, now
from loyalty.members import access, tiers
from loyalty.members import accounts as members
from loyalty.wallet import adjustments, benefits, credit, punch_cards, shop

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
    terminal = session.scalars(
        select(Terminal).where(Terminal.business_id == business.id).order_by(Terminal.created_at)
    ).first()
    admin_key, _ = access.issue_key(session, business_id=business.id, kind="admin", name="demo admin")
    pos_key, _ = access.issue_key(session, business_id=business.id, kind="pos", name="demo till", terminal=terminal)
    return Demo(str(business.id), admin_key, pos_key, created)


def fill(session: Session, business: Business) -> None:
    """Members, rules, benefits, codes and programs for the demo business."""
    business.means_of_payment = ["cash", "card", "voucher", "gift card"]
    business.credit_top_up_bonus = credit.parse_bonus_table([{"from": "20.00", "bonus": "5.00"}], business)
    tiers.replace(session, business=business, bodies=[("Silver", "100"), ("Gold", "500")], actor="demo")
    _rules(session, business)  # first: members registered afterwards get the welcome points
    _members_benefits_and_codes(session, business)


# The cinema's earning rules, as a marketer would set them up in the Campaign Center.
DEMO_RULES: tuple[dict[str, object], ...] = (
    {"name": "Tickets: 1 point per 1.00, not on points", "trigger": "purchase", "status": "active",
     "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00",
                  "items": {"departments": ["tickets"]}, "exclude_mops": ["points"]}]},
    {"name": "Drinks: 10 points each", "trigger": "purchase", "status": "active",
     "actions": [{"type": "add_points", "mode": "repeat", "points": "10", "every": "1",
                  "items": {"departments": ["drinks"]}}]},
    {"name": "Welcome: 50 points", "trigger": "joined", "status": "active",
     "actions": [{"type": "add_points", "mode": "fixed", "points": "50"}]},
    {"name": "500 lifetime points: 100 bonus points", "trigger": "lifetime_points", "status": "active",
     "conditions": {"lifetime_points_at_least": "500"},
     "actions": [{"type": "add_points", "mode": "fixed", "points": "100"}]},
    {"name": "Members: 1.00 off a large popcorn", "trigger": "purchase", "status": "active",
     "actions": [{"type": "discount", "discount": {"amount": "1.00"}, "items": {"codes": ["POPCORN-L"]}}]},
    {"name": "Tuesday double on tickets (draft)", "trigger": "purchase", "status": "draft",
     "conditions": {"weekdays": ["tue"]},
     "actions": [{"type": "add_points", "mode": "rate", "points": "1", "per": "1.00",
                  "items": {"departments": ["tickets"]}, "exclude_mops": ["points"]}]},
)  # fmt: skip


def _rules(session: Session, business: Business) -> None:
    for rule in DEMO_RULES:
        campaigns.create(session, business=business, data=rule, actor="demo")


DEMO_BENEFITS: dict[str, dict[str, object]] = {
    "popcorn": {"name": "Free small popcorn", "kind": "free_item", "items": {"codes": ["POPCORN-S"]},
                "max_units": 1, "valid_days": 60},
    "ten": {"name": "10% off, up to 10.00", "kind": "discount", "discount": {"percent": "10", "max": "10.00"},
            "valid_days": 30},
    "five": {"name": "5.00 off from 20.00", "kind": "discount", "discount": {"amount": "5.00"},
             "conditions": {"min_spend": "20.00"}},
    "coffee": {"name": "Free coffee", "kind": "free_item", "items": {"codes": ["COFFEE"]}, "max_units": 1,
               "valid_days": 90},
}  # fmt: skip

# Phone numbers of the 555 range, reserved for fiction.
DEMO_MEMBERS: tuple[tuple[str, str, str, str], ...] = (
    ("+41 79 555 01 01", "Ada", "Lovelace", "ada@example.org"),
    ("+41 79 555 02 02", "Alan", "Turing", "alan@example.org"),
    ("+41 79 555 03 03", "Grace", "Hopper", "grace@example.org"),
)


def _members_benefits_and_codes(session: Session, business: Business) -> None:
    at = now()
    made = {key: benefits.create(session, business=business, data=body, at=at) for key, body in DEMO_BENEFITS.items()}
    codes.create(
        session,
        business=business,
        code="SUMMER5",
        benefit_id=made["five"].id,
        max_uses=1000,
        max_uses_per_member=1,
        at=at,
    )
    codes.create_batch(session, business=business, count=20, length=8, benefit_id=made["popcorn"].id, at=at)
    made["coffee"].price_points = shop.parse_price("40", business)  # in the point shop
    punch_cards.create(
        session,
        business=business,
        data={"name": "Coffee card: the 10th is free", "punches_required": 10, "items": {"codes": ["COFFEE"]},
              "mode": "repeat", "every": 1, "reward_benefit_id": str(made["coffee"].id), "valid_days": 365,
              "status": "active"},
        actor="demo",
        at=at,
    )  # fmt: skip
    for index, (phone, first_name, last_name, email) in enumerate(DEMO_MEMBERS):
        member = members.register(
            session,
            business=business,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
            email=email,
            consent={"terms": True, "email": True},
            actor="demo",
            at=at,
        )
        adjustments.adjust(
            session,
            business=business,
            member_id=member.id,
            points=40 * (index + 1),
            reason="demo starting balance",
            actor="demo",
        )
        benefits.grant(
            session, business=business, member_id=member.id, benefit_id=made["popcorn"].id, source="admin", at=at
        )
        if index == 0:
            benefits.grant(
                session, business=business, member_id=member.id, benefit_id=made["ten"].id, source="admin", at=at
            )
            credit.load(
                session,
                business=business,
                member_id=member.id,
                amount="20.00",
                reason="demo top-up",
                idempotency_key="demo-top-up",
                actor="demo",
                at=at,
            )
