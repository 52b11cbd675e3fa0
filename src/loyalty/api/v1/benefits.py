"""Benefit templates (the wallet entries live under /v1/members/{id}/benefits)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from loyalty.api.deps import admin, admin_or_pos, database
from loyalty.api.numbers import Plain
from loyalty.db.engine import Database
from loyalty.members.access import Principal
from loyalty.wallet import templates

router = APIRouter(prefix="/v1", tags=["benefits"])

LIST_MAX = 50  # names in one selector list, as for rules
MAX_UNITS = 1_000_000  # the most units one free_item benefit covers: a sale line's largest quantity

# Bounded digits: "1e999999" is a finite Decimal that no quantize survives; refuse it here, by field name.
Amount = Annotated[Plain, Field(max_digits=24)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DiscountIn(Strict):
    percent: Amount | None = Field(default=None, description='"10" for 10%; with an optional max')
    max: Amount | None = Field(default=None, description="The most a percent discount gives, in money.")
    amount: Amount | None = Field(default=None, description="A fixed amount off, in money.")


class SelectorIn(Strict):
    codes: list[str] | None = Field(default=None, max_length=LIST_MAX)
    departments: list[str] | None = Field(default=None, max_length=LIST_MAX)
    tags: list[str] | None = Field(default=None, max_length=LIST_MAX)


class ConditionsIn(Strict):
    min_spend: Amount | None = None


NAMES_DOC = (
    'The name per language, shown to members and cashiers reading it: {"fr": "Café offert"}; a language left out '
    "shows `name`. Keys: en, fr, de, it."
)


class BenefitIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    names: dict[str, str | None] | None = Field(default=None, description=NAMES_DOC)
    kind: Literal["discount", "free_item"]
    discount: DiscountIn | None = None
    items: SelectorIn | None = Field(default=None, description="Which lines it applies to; all when absent.")
    max_units: int | None = Field(
        default=None, le=MAX_UNITS, description="free_item: how many units are free (default 1)."
    )
    valid_days: int | None = Field(default=None, description="Days a granted entry stays valid; forever when absent.")
    conditions: ConditionsIn | None = None
    price_points: Amount | None = Field(
        default=None, description='The point shop\'s price, e.g. "60"; not sold when absent.'
    )


class BenefitPatch(Strict):
    price_points: Amount | None = Field(
        default=None, description='The point shop\'s price, e.g. "60"; null takes it off the shop.'
    )
    names: dict[str, str | None] | None = Field(default=None, description=NAMES_DOC + " null clears them.")


class BenefitOut(BaseModel):
    id: str
    name: str
    names: dict[str, str] = Field(default_factory=dict, description="The name per language; {} when none.")
    kind: str
    discount: dict[str, str] | None
    items: dict[str, list[str]] | None
    max_units: int | None
    conditions: dict[str, str] | None
    valid_days: int | None
    status: str
    created_at: datetime
    price_points: str | None = None


def benefit_out(benefit: dict[str, Any]) -> BenefitOut:
    return BenefitOut(**benefit)


@router.post("/benefits", response_model=BenefitOut, status_code=201)
def create(body: BenefitIn, who: Principal = Depends(admin), db: Database = Depends(database)) -> BenefitOut:
    data = body.model_dump(exclude_none=True)
    price = data.pop("price_points", None)
    return benefit_out(templates.create_benefit(db, who, data, price))


@router.get("/benefits", response_model=list[BenefitOut])
def listing(who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> list[BenefitOut]:
    return [benefit_out(benefit) for benefit in templates.benefit_list(db, who)]


@router.get("/benefits/{benefit_id}", response_model=BenefitOut)
def show(benefit_id: uuid.UUID, who: Principal = Depends(admin_or_pos), db: Database = Depends(database)) -> BenefitOut:
    return benefit_out(templates.benefit(db, who, benefit_id))


@router.patch("/benefits/{benefit_id}", response_model=BenefitOut)
def change(
    benefit_id: uuid.UUID, body: BenefitPatch, who: Principal = Depends(admin), db: Database = Depends(database)
) -> BenefitOut:
    """Set or clear the point shop's price of a benefit, or its names per language (each only when given)."""
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    return benefit_out(templates.change_benefit(db, who, benefit_id, changes))
