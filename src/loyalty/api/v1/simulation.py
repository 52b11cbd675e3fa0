"""Try a basket in the Campaign Center (admin keys): what the active rules, or drafts, or both would give, and
why each other rule would not fire. Writes nothing; computed by the same engine as a purchase."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from loyalty import rules as engine
from loyalty.api.deps import admin, database
from loyalty.api.numbers import Plain
from loyalty.api.v1.outcomes import EarnedOut, EffectOut, earned, effect, points
from loyalty.api.v1.pos import PurchaseIn
from loyalty.api.v1.rule_format import DECIMAL, RULE_SCHEMA, TEXT, TEXTS, body_schema, inline_schema, json_object
from loyalty.db.engine import Database
from loyalty.i18n import reader
from loyalty.members.access import Principal
from loyalty.money import currency_exponent
from loyalty.sale import simulation
from loyalty.wallet import punch_cards

router = APIRouter(prefix="/v1", tags=["campaign center"])

# Rows (a business) reach the doors through the services; they never import the models.
Business = Any


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TriedPurchase(PurchaseIn):
    """A purchase body as the till sends it; benefits and codes are for quotes (they need a real wallet)."""

    transaction_id: str = Field(default="simulation", min_length=1, max_length=128)
    benefits: list[str] = Field(default_factory=list, max_length=20, description="Not simulated: use a quote.")
    codes: list[str] = Field(default_factory=list, max_length=20, description="Not simulated: use a quote.")


class TriedMember(Strict):
    tags: list[str] | None = Field(default=None, max_length=50)
    lifetime_points: Plain | None = Field(default=None, ge=0, le=Decimal(10**12), decimal_places=2)


class SimulationIn(Strict):
    purchase: TriedPurchase | None = None
    rules: list[Any] | None = Field(default=None, max_length=50)
    include_active: bool = False
    trigger: Literal["purchase", "joined", "lifetime_points", "code_used", "event"] = "purchase"
    event: str | None = Field(default=None, min_length=1, max_length=100)
    code: str | None = Field(default=None, min_length=1, max_length=64)
    at: AwareDatetime | None = None
    branch_id: str | None = Field(default=None, max_length=64)
    member: TriedMember | None = None


class SkippedOut(BaseModel):
    rule_id: str | None
    revision: int | None
    name: str
    reason: str = Field(description="Why the rule did not fire, in a sentence in the reader's language.")


class SimulationOut(BaseModel):
    trigger: str
    at: datetime
    points_earned: str
    earned: list[EarnedOut]
    effects: list[EffectOut]
    skipped: list[SkippedOut]
    discounts: list[dict[str, Any]] = Field(default_factory=list, description="The deals this basket gets.")
    punches: list[dict[str, Any]] = Field(default_factory=list, description="What it does to each punch card.")


def simulation_out(done: simulation.Simulated) -> dict[str, Any]:
    business = done.business
    speech = reader.speech_for(business)
    return {
        "trigger": done.trigger,
        "at": done.at,
        "points_earned": points(business, done.points),
        "earned": [earned(business, award) for outcome in done.outcomes for award in outcome.awards],
        "effects": [effect(found, business) for outcome in done.outcomes for found in outcome.effects],
        "skipped": [
            {"rule_id": rule.rule_id, "revision": rule.revision, "name": rule.name, "reason": speech.say(rule.reason)}
            for rule in done.skipped
        ],
        "discounts": _deals(business, done.outcomes[0].discounts),
        "punches": punch_cards.preview(done.outcomes[0].punches, business),
    }


def _deals(business: Business, discounts: engine.Discounts) -> list[dict[str, Any]]:
    """The deals of a tried basket, as a quote lists them."""
    unit = Decimal(1).scaleb(-currency_exponent(business.currency))
    return [
        {
            "source": applied.source,
            "id": applied.id,
            "name": applied.name,
            "amount": str(applied.amount.quantize(unit)),
            "lines": [{"line_id": line.line_id, "amount": str(line.amount.quantize(unit))} for line in applied.lines],
        }
        for applied in discounts.applied
    ]


@router.post(
    "/rules/simulate",
    response_model=SimulationOut,
    openapi_extra=body_schema(
        {
            "type": "object",
            "title": "Simulation",
            "properties": {
                "purchase": inline_schema(TriedPurchase.model_json_schema()),
                "rules": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            RULE_SCHEMA,
                            {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
                        ]
                    },
                    "maxItems": 50,
                    "description": 'Drafts, or {"id": "…"} for a stored rule tried as if active.',
                },
                "include_active": {"type": "boolean", "default": False},
                "trigger": {"enum": ["purchase", "joined", "lifetime_points", "code_used", "event"]},
                "event": TEXT,
                "code": TEXT,
                "at": {"type": "string", "format": "date-time"},
                "branch_id": TEXT,
                "member": {
                    "type": "object",
                    "properties": {"tags": TEXTS, "lifetime_points": DECIMAL},
                    "additionalProperties": False,
                },
            },
            "additionalProperties": False,
            "example": {
                "purchase": {
                    "transaction_id": "try-1",
                    "items": [{"line_id": "1", "code": "MILK", "department": "dairy", "quantity": 1, "amount": "2.50"}],
                    "payments": [{"mop": "cash", "amount": "2.50"}],
                },
                "rules": [
                    {
                        "name": "dairy rate",
                        "trigger": "purchase",
                        "actions": [
                            {
                                "type": "add_points",
                                "mode": "rate",
                                "points": "1",
                                "per": "1.00",
                                "items": {"departments": ["dairy"]},
                            }
                        ],
                    }
                ],
            },
        }
    ),
)
def simulate(
    who: Principal = Depends(admin), body: dict[str, Any] = Depends(json_object), db: Database = Depends(database)
) -> dict[str, Any]:
    """Try a basket: what the active rules (or the draft `rules`, or both with `include_active`) would give,
    and why each other rule would not fire. Writes nothing; computed by the same engine as a purchase."""
    try:
        asked = SimulationIn.model_validate(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors()) from None
    return simulation_out(simulation.simulate(db, who, simulation_of(asked, body.get("rules"))))


def simulation_of(asked: SimulationIn, drafts: object) -> simulation.Simulation:
    tried = asked.member
    return simulation.Simulation(
        trigger=asked.trigger,
        sale=asked.purchase.sale() if asked.purchase else None,
        drafts=drafts,
        include_active=asked.include_active,
        event=asked.event,
        code=asked.code,
        at=asked.at,
        branch_id=asked.branch_id,
        member_tags=frozenset(tried.tags) if tried and tried.tags is not None else None,
        member_lifetime_points=tried.lifetime_points if tried else None,
    )
