"""Backtests and rule figures (admin keys): what chosen rules would have given on recorded sales, and what each
rule, benefit and code actually did over a period."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from loyalty.api.deps import admin, database
from loyalty.api.v1.rule_format import RULE_SCHEMA, body_schema, json_object
from loyalty.campaigns import backtesting, rule_choice
from loyalty.db.engine import Database
from loyalty.errors import LoyaltyError
from loyalty.members.access import Principal
from loyalty.reports import rule_figures

router = APIRouter(prefix="/v1", tags=["campaign center"])

NDJSON = "application/x-ndjson"


class BacktestRuleOut(BaseModel):
    rule_id: str | None = Field(description="The stored rule's id; null for a draft.")
    revision: int | None
    name: str
    points: str
    cost: str
    purchases: int = Field(description="Purchases on which the rule gave points.")
    members: int


class DayPointsOut(BaseModel):
    day: str
    points: str


class ActualRuleOut(BaseModel):
    rule_id: str
    name: str
    points: str
    cost: str
    purchases: int
    members: int


class ActualOut(BaseModel):
    points: str = Field(description="What the rules live at the time gave on the same purchases.")
    cost: str
    purchases_earning: int
    members: int
    by_rule: list[ActualRuleOut]
    by_day: list[DayPointsOut]


class BacktestOut(BaseModel):
    from_: str = Field(alias="from")
    until: str
    timezone: str
    currency: str
    point_value: str
    purchases: int = Field(description="Completed purchases of identified members in the period, replayed.")
    members: int = Field(description="Members who would have earned points.")
    purchases_earning: int
    points: str
    cost: str = Field(description="points × point_value, in the business currency.")
    by_rule: list[BacktestRuleOut]
    by_day: list[DayPointsOut]
    actual: ActualOut


@router.post(
    "/rules/backtest",
    response_model=BacktestOut,
    response_model_by_alias=True,
    openapi_extra=body_schema(
        {
            "type": "object",
            "title": "Backtest",
            "properties": {
                "rules": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": rule_choice.MAX_RULES,
                    "items": {
                        "anyOf": [
                            RULE_SCHEMA,
                            {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
                        ]
                    },
                },
                "from": {"type": "string", "description": "A date (local midnight) or an RFC 3339 time."},
                "until": {"type": "string", "description": "A date (included) or an RFC 3339 time (excluded)."},
            },
            "required": ["rules"],
            "additionalProperties": False,
        }
    ),
)
def backtest(
    request: Request,
    who: Principal = Depends(admin),
    body: dict[str, Any] = Depends(json_object),
    db: Database = Depends(database),
) -> Any:
    """Replay the recorded purchases of a period through drafts and/or stored rules as they are now, each taken
    as active; nothing is written. With `Accept: application/x-ndjson` the answer streams one line per batch
    (`{"progress": {"done", "total"}}`) and ends with `{"result": {...}}`."""
    if NDJSON not in request.headers.get("accept", ""):
        return backtesting.backtest(db, who, body)
    return StreamingResponse(_streamed(db, backtesting.start(db, who, body)), media_type=NDJSON)


def _streamed(db: Database, started: backtesting.Started) -> Iterator[str]:
    """The backtest runs in a thread of its own; its progress lines are passed on as they come."""
    lines: queue.Queue[str | None] = queue.Queue()
    total = started.total

    def work() -> None:
        try:
            for done in backtesting.replay(db, started):
                lines.put(json.dumps({"progress": {"done": done, "total": max(total, done)}}) + "\n")
            lines.put(json.dumps({"result": backtesting.as_json(started)}) + "\n")
        except LoyaltyError as error:
            lines.put(json.dumps({"error": {"code": error.code, "message": error.message}}) + "\n")
        except Exception:  # the stream has begun: say so in it rather than cut it
            lines.put(json.dumps({"error": {"code": "backtest_failed", "message": "The backtest failed."}}) + "\n")
            raise
        finally:
            lines.put(None)

    threading.Thread(target=work, name="backtest", daemon=True).start()
    yield json.dumps({"progress": {"done": 0, "total": total}}) + "\n"
    while (line := lines.get()) is not None:
        yield line


class RuleFigureOut(BaseModel):
    rule_id: str
    name: str
    status: str
    trigger: str
    points: str = Field(description="Points the rule gave in the period (its earn transactions in the ledger).")
    cost: str
    purchases: int
    members: int


class BenefitFigureOut(BaseModel):
    benefit_id: str
    name: str
    status: str
    granted: int = Field(description="Wallet entries granted in the period.")
    redeemed: int = Field(description="Wallet entries used in the period and not returned by a cancel.")


class CodeFigureOut(BaseModel):
    code_id: str | None = Field(description="The shared code's id; null for a batch of one-time codes.")
    code: str | None
    batch_id: str | None
    codes: int = Field(description="1 for a shared code; the batch's size for one-time codes.")
    uses: int = Field(description="Uses in the period, not released by a cancel.")


class RuleFiguresOut(BaseModel):
    from_: str = Field(alias="from")
    until: str
    timezone: str
    currency: str
    point_value: str
    points: str
    cost: str
    members: int
    taken_back: str
    taken_back_by_cancels: str
    taken_back_by_returns: str
    rules: list[RuleFigureOut]
    by_day: list[DayPointsOut]
    benefits: list[BenefitFigureOut]
    codes: list[CodeFigureOut]


@router.get("/reports/rules", response_model=RuleFiguresOut, response_model_by_alias=True)
def rules_report(
    from_: str | None = Query(default=None, alias="from", description="A date (local midnight) or an RFC 3339 time."),
    until: str | None = Query(default=None, description="A date (included) or an RFC 3339 time (excluded)."),
    who: Principal = Depends(admin),
    db: Database = Depends(database),
) -> dict[str, Any]:
    """Per rule: points given, purchases, members; per benefit: granted, redeemed; per code: uses; over the
    period (default: the last 30 days), from the ledger and the wallet."""
    return rule_figures.report(db, who, from_=from_, until=until)
