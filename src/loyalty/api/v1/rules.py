"""The Campaign Center: rules with revisions, "try a basket" (simulate) and custom events.

Rule bodies are read with JSON numbers as Decimals: pydantic would hand the engine floats, whose precision is
already lost, and the engine refuses them. The engine's parser is the one validator of a rule, so its field
paths (`actions.0.per`) are what a 422 names; the schema below only documents the format in /docs.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from loyalty import rules as engine
from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.api.idempotent import optional_key, write_once
from loyalty.api.v1.pos import PurchaseIn
from loyalty.campaigns import events, rule_choice
from loyalty.campaigns import rulebook as campaigns
from loyalty.db.engine import Database
from loyalty.db.models import Business, now
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import access
from loyalty.members import accounts as members
from loyalty.members.access import Principal
from loyalty.money import currency_exponent, floor_points, hundredths_to_points
from loyalty.sale import awards, purchases
from loyalty.wallet import punch_cards

router = APIRouter(prefix="/v1", tags=["campaign center"])

# --- the rule format, for /docs and schema-driven clients -----------------------------------------

_TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200}
_DECIMAL: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*\d{1,15}(\.\d{1,4})?\s*$", "examples": ["1.00"]},
        {"type": "number", "minimum": 0, "maximum": 10**12},
    ],
    "description": 'A decimal string like "1.00" or a JSON number (read exactly, never as a float).',
}
_TEXTS: dict[str, Any] = {"type": "array", "items": _TEXT, "minItems": 1, "maxItems": 50}
_SELECTOR: dict[str, Any] = {
    "type": "object",
    "description": "A line matches when its code, its department or one of its tags is listed.",
    "properties": {"codes": _TEXTS, "departments": _TEXTS, "tags": _TEXTS},
    "additionalProperties": False,
}
_MOMENT: dict[str, Any] = {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339 with an offset."}
_CONDITIONS: dict[str, Any] = {
    "type": "object",
    "description": "All optional; all must hold.",
    "properties": {
        "min_spend": _DECIMAL,
        "contains": {**_SELECTOR, "properties": {**_SELECTOR["properties"], "min_quantity": _DECIMAL}},
        "branches": _TEXTS,
        "weekdays": {
            "type": "array",
            "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
            "minItems": 1,
            "maxItems": 7,
        },
        "time_from": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["09:30"]},
        "time_until": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["18:00"]},
        "member_tags": _TEXTS,
        "lifetime_points_at_least": _DECIMAL,
        "code": _TEXT,
        "event": _TEXT,
        "member_tiers": _TEXTS,
    },
    "additionalProperties": False,
}
_ACTION: dict[str, Any] = {
    "type": "object",
    "description": "add_points (mode fixed, repeat, rate or percent), grant_benefit, tag_member or untag_member.",
    "properties": {
        "type": {"enum": ["add_points", "grant_benefit", "tag_member", "untag_member"]},
        "mode": {"enum": ["fixed", "repeat", "rate", "percent"]},
        "points": _DECIMAL,
        "every": _DECIMAL,
        "per": _DECIMAL,
        "percent": _DECIMAL,
        "items": _SELECTOR,
        "exclude_items": _SELECTOR,
        "exclude_mops": {"anyOf": [_TEXTS, _TEXT], "description": 'A list, or one string like "points, voucher".'},
        "benefit_id": _TEXT,
        "tag": _TEXT,
    },
    "required": ["type"],
    "additionalProperties": False,
}
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Rule",
    "properties": {
        "name": _TEXT,
        "trigger": {"enum": ["purchase", "joined", "lifetime_points", "code_used", "event"]},
        "status": {"enum": ["draft", "active", "stopped"], "default": "draft"},
        "valid_from": _MOMENT,
        "valid_until": _MOMENT,
        "conditions": _CONDITIONS,
        "limits": {
            "type": ["object", "null"],
            "properties": {
                "per_member": {"type": "integer", "minimum": 1, "maximum": 10**6},
                "period": {"enum": ["day", "week", "month", "year", "ever"]},
            },
            "required": ["per_member"],
            "additionalProperties": False,
        },
        "actions": {"type": "array", "items": _ACTION, "minItems": 1, "maxItems": 20},
    },
    "required": ["name", "trigger", "actions"],
    "additionalProperties": False,
    "example": {
        "name": "Dairy: 1 point per 1.00",
        "trigger": "purchase",
        "status": "active",
        "conditions": {"min_spend": "20.00"},
        "limits": {"per_member": 1, "period": "day"},
        "actions": [
            {
                "type": "add_points",
                "mode": "rate",
                "points": "1",
                "per": "1.00",
                "items": {"departments": ["dairy"]},
                "exclude_items": {"tags": ["alcohol"]},
                "exclude_mops": ["points"],
            }
        ],
    },
}
# PUT may send back a rule as GET shows it: `revision` then guards against overwriting a newer one.
RULE_UPDATE_SCHEMA: dict[str, Any] = {
    **RULE_SCHEMA,
    "title": "RuleRevision",
    "properties": {
        **RULE_SCHEMA["properties"],
        "id": {"type": "string", "description": "When given, the rule's own id."},
        "revision": {
            "type": "integer",
            "minimum": 1,
            "description": "The revision this change was made on; another current revision is a 409.",
        },
        "created_at": {"type": "string", "description": "Ignored."},
        "updated_at": {"type": "string", "description": "Ignored."},
    },
}


def inline_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` written in place, so it can sit inside `openapi_extra`."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, its numbers as Decimals (the engine refuses floats)."""
    raw = await request.body()
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8 and oversized integers are ValueErrors
        raise InvalidInput("body", "must be a JSON object") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", f"must be a JSON object, not {type(data).__name__}")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


# --- questions ----------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TriedPurchase(PurchaseIn):
    """A purchase body as the till sends it; benefits and codes are for quotes (they need a real wallet)."""

    transaction_id: str = Field(default="simulation", min_length=1, max_length=128)
    benefits: list[str] = Field(default_factory=list, max_length=20, description="Not simulated: use a quote.")
    codes: list[str] = Field(default_factory=list, max_length=20, description="Not simulated: use a quote.")


class TriedMember(Strict):
    tags: list[str] | None = Field(default=None, max_length=50)
    lifetime_points: Decimal | None = Field(default=None, ge=0, le=Decimal(10**12), decimal_places=2)


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


# --- answers --------------------------------------------------------------------------------------


class RuleOut(BaseModel):
    """A rule's revision as stored: its definition in canonical form, with the id, revision and status."""

    id: str
    revision: int
    status: str
    name: str
    trigger: str
    valid_from: str | None
    valid_until: str | None
    conditions: dict[str, Any]
    limits: dict[str, Any] | None
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime = Field(description="When the current revision or the status last changed.")


class LinePointsOut(BaseModel):
    line_id: str
    points: str


class EarnedOut(BaseModel):
    rule_id: str | None
    revision: int | None = Field(description="null for a draft tried in a simulation")
    rule_name: str
    points: str
    explanation: str
    lines: list[LinePointsOut]


class EffectOut(BaseModel):
    kind: str = Field(description="grant_benefit, tag_member or untag_member")
    value: str = Field(description="The benefit id or the tag.")
    rule_id: str | None
    revision: int | None
    explanation: str


class SkippedOut(BaseModel):
    rule_id: str | None
    revision: int | None
    name: str
    reason: str = Field(description="Why the rule did not fire, in a sentence.")


class SimulationOut(BaseModel):
    trigger: str
    at: datetime
    points_earned: str
    earned: list[EarnedOut]
    effects: list[EffectOut]
    skipped: list[SkippedOut]
    discounts: list[dict[str, Any]] = Field(default_factory=list, description="The deals this basket gets.")
    punches: list[dict[str, Any]] = Field(default_factory=list, description="What it does to each punch card.")


class EventOut(BaseModel):
    id: str
    member_id: str
    name: str
    at: datetime
    points_earned: str
    points_balance: str
    earned: list[EarnedOut]
    effects: list[EffectOut]
    granted: list[str] = Field(description="Wallet entries (asset ids) the event's rules granted.")


def rule_out(view: campaigns.StoredRule) -> dict[str, Any]:
    return view.as_dict()


def _points(business: Business, points: Decimal) -> str:
    return str(floor_points(points, business.points_decimals))


def _earned(business: Business, award: engine.Award) -> dict[str, Any]:
    return {
        "rule_id": award.rule_id,
        "revision": award.revision,
        "rule_name": award.rule_name,
        "points": _points(business, award.points),
        "explanation": award.explanation,
        "lines": [{"line_id": share.line_id, "points": _points(business, share.points)} for share in award.lines],
    }


def _effect(effect: engine.Effect) -> dict[str, Any]:
    return {
        "kind": effect.kind,
        "value": effect.value,
        "rule_id": effect.rule_id,
        "revision": effect.revision,
        "explanation": effect.explanation,
    }


def _rule_id(raw: str) -> uuid.UUID:
    """Ids are opaque to clients: one that is not even a UUID is simply not found."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("rule") from None


# --- rules ----------------------------------------------------------------------------------------


@router.post("/rules", response_model=RuleOut, status_code=201, openapi_extra=_body(RULE_SCHEMA))
def create_rule(
    who: Principal = Depends(admin), body: dict[str, Any] = Depends(json_object), db: Database = Depends(database)
) -> dict[str, Any]:
    """A new rule at revision 1 (status `draft` unless the body says otherwise)."""
    for field in ("id", "revision"):
        if body.get(field) is not None:
            raise InvalidInput(field, "is chosen by the server; change an existing rule with PUT /v1/rules/{id}")
    data = {key: value for key, value in body.items() if key not in campaigns.READ_ONLY_FIELDS}

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        return rule_out(campaigns.create(session, business=business, data=data, actor=who.actor))

    return db.write(work)


@router.get("/rules", response_model=list[RuleOut])
def list_rules(
    status: Literal["draft", "active", "stopped"] | None = Query(
        default=None, description="Only rules in this status."
    ),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> list[dict[str, Any]]:
    """Every rule of the business at its current revision, oldest first."""
    with db.read() as session:
        return [rule_out(view) for view in campaigns.listing(session, business_id=who.business_id, status=status)]


@router.post(
    "/rules/simulate",
    response_model=SimulationOut,
    openapi_extra=_body(
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
                "event": _TEXT,
                "code": _TEXT,
                "at": {"type": "string", "format": "date-time"},
                "branch_id": _TEXT,
                "member": {
                    "type": "object",
                    "properties": {"tags": _TEXTS, "lifetime_points": _DECIMAL},
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
    with db.read() as session:
        business = access.business(session, who.business_id)
        return _simulate(session, business, asked, body.get("rules"))


@router.get("/rules/{rule_id}", response_model=RuleOut)
def show_rule(
    rule_id: str,
    revision: int | None = Query(default=None, ge=1, le=2**31 - 1, description="An older published revision."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> dict[str, Any]:
    with db.read() as session:
        view = campaigns.stored(session, business_id=who.business_id, rule_id=_rule_id(rule_id), revision=revision)
        return rule_out(view)


@router.put(
    "/rules/{rule_id}",
    response_model=RuleOut,
    openapi_extra=_body(RULE_UPDATE_SCHEMA),
    responses={409: {"description": "rule_revision_conflict: `revision` is not the current revision"}},
)
def revise_rule(
    rule_id: str,
    who: Principal = Depends(admin),
    body: dict[str, Any] = Depends(json_object),
    db: Database = Depends(database),
) -> dict[str, Any]:
    """A new revision: the full rule, as for POST. The status stays unless the body names one; purchases
    already recorded keep the revision they earned under."""
    wanted = _rule_id(rule_id)
    if body.get("id") is not None and str(body["id"]) != str(wanted):
        raise InvalidInput("id", "must be this rule's id (or left out)")
    expected = body.get("revision")
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 1):
        raise InvalidInput("revision", "must be the revision this change was made on, a whole number from 1")
    data = {key: value for key, value in body.items() if key not in (*campaigns.READ_ONLY_FIELDS, "id", "revision")}

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        view = campaigns.revise(
            session, business=business, rule_id=wanted, data=data, actor=who.actor, expected_revision=expected
        )
        return rule_out(view)

    return db.write(work)


@router.post("/rules/{rule_id}/activate", response_model=RuleOut)
def activate_rule(rule_id: str, who: Principal = Depends(admin), db: Database = Depends(database)) -> dict[str, Any]:
    """The rule fires from now on (inside its validity window). Already active: unchanged."""
    return _set_status(rule_id, "active", who, db)


@router.post("/rules/{rule_id}/stop", response_model=RuleOut)
def stop_rule(rule_id: str, who: Principal = Depends(admin), db: Database = Depends(database)) -> dict[str, Any]:
    """The rule stops firing; what it gave stays. Already stopped: unchanged."""
    return _set_status(rule_id, "stopped", who, db)


def _set_status(rule_id: str, status: str, who: Principal, db: Database) -> dict[str, Any]:
    wanted = _rule_id(rule_id)

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        return rule_out(
            campaigns.set_status(session, business=business, rule_id=wanted, status=status, actor=who.actor)
        )

    return db.write(work)


# --- try a basket ---------------------------------------------------------------------------------


def _simulate(session: Session, business: Business, asked: SimulationIn, drafts: object) -> dict[str, Any]:
    at = asked.at or now()
    tried = asked.purchase
    if asked.trigger == "purchase" and tried is None:
        raise InvalidInput("purchase", "is required to simulate the purchase trigger")
    if asked.trigger == "event" and asked.event is None:
        raise InvalidInput("event", "is required to simulate the event trigger: the event's name")
    if asked.trigger == "code_used" and asked.code is None:
        raise InvalidInput("code", "is required to simulate the code_used trigger: the promo code")

    active = campaigns.active_rules(session, business=business)
    rules: list[engine.Rule] = []
    if isinstance(drafts, list):
        # Drafts and stored rules ({"id": ...}, taken as active) tried together, as chosen in the page.
        rules = rule_choice.chosen(session, business=business, bodies=drafts)
    if drafts is None or asked.include_active:
        chosen_ids = {rule.id for rule in rules}
        rules = [*(rule for rule in active.rules if rule.id not in chosen_ids), *rules]

    facts = None
    member_id = tried.member_id if tried else None
    if tried is not None:
        sale = tried.sale()
        for field in ("benefits", "codes"):
            if getattr(tried, field):
                raise InvalidInput(f"purchase.{field}", "cannot be simulated here: try them with POST /v1/quotes")
        try:
            purchases.check_amounts(sale, business)
        except InvalidInput as error:
            raise InvalidInput(f"purchase.{error.field}", error.message.removeprefix(f"{error.field}: ")) from None
        facts = engine.Purchase(
            transaction_id=sale.transaction_id, lines=sale.lines, payments=sale.payments, branch_id=asked.branch_id
        )

    member = engine.Member(id="simulated member")
    cards = punch_cards.active(session, business_id=business.id) if asked.trigger == "purchase" else []
    if member_id is not None:
        found = members.get(session, business_id=business.id, member_id=member_id)
        member = awards.member_facts(session, found, active)  # drafts have no history to count
        if cards:
            punched = punch_cards.member_punches(session, business_id=business.id, member_id=found.id)
            member = dataclasses.replace(member, punches=punched)
    if asked.member is not None:
        member = engine.Member(
            id=member.id,
            tags=frozenset(asked.member.tags) if asked.member.tags is not None else member.tags,
            lifetime_points=asked.member.lifetime_points
            if asked.member.lifetime_points is not None
            else member.lifetime_points,
            rule_uses=member.rule_uses,
            punches=member.punches,
        )

    trigger = engine.Trigger(kind=asked.trigger, code=asked.code, event=asked.event, branch_id=asked.branch_id)
    if asked.trigger == "lifetime_points":
        trigger = engine.Trigger.lifetime_points(before=None)
    outcomes = _evaluate_like_a_purchase(facts, member, rules, at=at, business=business, trigger=trigger, cards=cards)
    fired = {(fired.rule_id, fired.revision) for outcome in outcomes for fired in outcome.fired}
    # A rule skipped in one round may fire in a later one (a lifetime threshold); the last word counts.
    skipped: dict[tuple[str | None, int | None], engine.Skipped] = {}
    for outcome in outcomes:
        for rule in outcome.skipped:
            skipped[(rule.rule_id, rule.revision)] = rule
    return {
        "trigger": asked.trigger,
        "at": at,
        "points_earned": _points(business, sum((outcome.points for outcome in outcomes), Decimal(0))),
        "earned": [_earned(business, award) for outcome in outcomes for award in outcome.awards],
        "effects": [_effect(effect) for outcome in outcomes for effect in outcome.effects],
        "skipped": [
            {"rule_id": rule.rule_id, "revision": rule.revision, "name": rule.name, "reason": rule.reason}
            for key, rule in skipped.items()
            if key not in fired
        ],
        "discounts": _deals(business, outcomes[0].discounts),
        "punches": punch_cards.preview(outcomes[0].punches),
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


def _evaluate_like_a_purchase(
    purchase: engine.Purchase | None,
    member: engine.Member,
    rules: list[engine.Rule],
    *,
    at: datetime,
    business: Business,
    trigger: engine.Trigger,
    cards: list[engine.PunchCard] | None = None,
) -> list[engine.Outcome]:
    """The engine's outcome for the trigger, then the lifetime thresholds its points cross, round by round, as
    `awards.apply` chains them when the purchase is confirmed."""
    index = engine.RuleIndex(rules)
    context = awards.context(business)
    outcome = engine.evaluate(
        purchase, member, index, at=at, context=context, trigger=trigger, explain=True, punch_cards=cards or ()
    )
    outcomes = [outcome]
    while outcome.points > 0 and len(outcomes) < awards.MAX_LIFETIME_ROUNDS:
        before = member.lifetime_points
        member = _after(member, outcome, at)
        crossing = engine.Trigger.lifetime_points(before=before)
        outcome = engine.evaluate(None, member, index, at=at, context=context, trigger=crossing, explain=True)
        outcomes.append(outcome)
    return outcomes


def _after(member: engine.Member, outcome: engine.Outcome, at: datetime) -> engine.Member:
    """The member once `outcome` is applied: more lifetime points, the fired rules in their history, new tags."""
    uses = {rule_id: tuple(times) for rule_id, times in member.rule_uses.items()}
    for fired in outcome.fired:
        if fired.rule_id is not None:
            uses[fired.rule_id] = (*uses.get(fired.rule_id, ()), at)
    return engine.Member(
        id=member.id,
        tags=(member.tags | outcome.tags_to_add) - outcome.tags_to_remove,
        lifetime_points=member.lifetime_points + outcome.points,
        rule_uses=uses,
    )


# --- custom events --------------------------------------------------------------------------------


class EventIn(Strict):
    member_id: uuid.UUID
    name: str = Field(min_length=1, max_length=events.NAME_MAX, description="Matched by `conditions.event`.")


@router.post("/events", response_model=EventOut, status_code=201)
def record_event(
    body: EventIn,
    request: Request,
    who: Principal = Depends(admin_or_pos),
    db: Database = Depends(database),
    key: str | None = Depends(optional_key),
) -> dict[str, Any] | Response:
    """A custom event happened to a member: it is recorded and fires the `event` rules that name it, together."""

    def work(session: Session) -> dict[str, Any]:
        business = access.business(session, who.business_id)
        done = events.happen(
            session, business=business, member_id=body.member_id, name=body.name, at=now(), actor=who.actor
        )
        return {
            "id": str(done.event.id),
            "member_id": str(done.member.id),
            "name": done.event.name,
            "at": done.event.at,
            "points_earned": _points(business, hundredths_to_points(done.applied.points)),
            "points_balance": _points(business, hundredths_to_points(done.member.points_balance)),
            "earned": [_earned(business, award) for award in done.applied.awards],
            "effects": [_effect(effect) for outcome in done.applied.outcomes for effect in outcome.effects],
            "granted": [str(asset_id) for asset_id in done.applied.granted_asset_ids],
        }

    if key is not None:
        return write_once(db, request, who, key=key, body=body, model=EventOut, status=201, work=work)
    return db.write(work)
