"""The admin and Campaign Center use cases hold their own guards: called with no door in front of them, a key of
the wrong kind is refused before anything is read or written, and another business's ids are not found."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from loyalty.business import setup
from loyalty.campaigns import backtesting, center, events
from loyalty.db.engine import Database
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import access
from loyalty.members.access import KeyKindRefused, Principal
from loyalty.reports import dashboard, rule_figures
from loyalty.sale import sales, simulation
from tests.conftest import Tenant
from tests.rules_api.helpers import dairy_basket, dairy_rate, register

UseCase = Callable[[Database, Principal], Any]
SOME_ID = uuid.uuid4()

ADMIN_ONLY: dict[str, UseCase] = {
    "show the business": setup.business,
    "change the business": lambda db, who: setup.change_business(db, who, {"name": "Taken over"}),
    "list branches": setup.branches,
    "create a branch": lambda db, who: setup.create_branch(db, who, "Back door"),
    "list terminals": setup.terminals,
    "create a terminal": lambda db, who: setup.create_terminal(db, who, setup.NewTerminal("Till 9", SOME_ID)),
    "list keys": setup.keys,
    "create a key": lambda db, who: setup.create_key(db, who, setup.NewKey("admin", "mine now")),
    "revoke a key": lambda db, who: setup.revoke_key(db, who, SOME_ID),
    "create a rule": lambda db, who: center.create_rule(db, who, dairy_rate()),
    "list rules": center.rules,
    "read a rule": lambda db, who: center.rule(db, who, SOME_ID),
    "revise a rule": lambda db, who: center.revise_rule(db, who, SOME_ID, dairy_rate()),
    "stop a rule": lambda db, who: center.set_rule_status(db, who, SOME_ID, "stopped"),
    "simulate": lambda db, who: simulation.simulate(db, who, simulation.Simulation(trigger="joined")),
    "backtest": lambda db, who: backtesting.backtest(db, who, {"rules": [dairy_rate()]}),
    "start a backtest": lambda db, who: backtesting.start(db, who, {"rules": [dairy_rate()]}),
    "rule figures": lambda db, who: rule_figures.report(db, who, from_=None, until=None),
    "points report": lambda db, who: dashboard.points_report(db, who, days=7),
}
TILL_ONLY: dict[str, UseCase] = {
    "list the till's sales": sales.till_sales,
    "read a sale": lambda db, who: sales.sale(db, who, SOME_ID),
}


def caller(db: Database, raw: str) -> Principal:
    with db.read() as session:
        return access.authenticate(session, raw)


def names(db: Database, tenant: Tenant) -> list[str]:
    return [branch.name for branch in setup.branches(db, caller(db, tenant.admin_key))]


@pytest.mark.parametrize("use_case", ADMIN_ONLY.values(), ids=ADMIN_ONLY.keys())
def test_a_till_key_is_refused_by_every_admin_use_case(db: Database, tenant: Tenant, use_case: UseCase) -> None:
    before = names(db, tenant)
    with pytest.raises(KeyKindRefused):
        use_case(db, caller(db, tenant.pos_key))
    assert names(db, tenant) == before


@pytest.mark.parametrize("use_case", TILL_ONLY.values(), ids=TILL_ONLY.keys())
def test_an_admin_key_is_refused_by_the_till_s_own_reads(db: Database, tenant: Tenant, use_case: UseCase) -> None:
    with pytest.raises(KeyKindRefused):
        use_case(db, caller(db, tenant.admin_key))


def test_another_business_s_ids_are_not_found_by_the_admin_use_cases(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    me, them = caller(db, tenant.admin_key), caller(db, other_tenant.admin_key)
    their_rule = center.create_rule(db, them, dairy_rate())
    their_key = setup.keys(db, them)[0]
    with pytest.raises(InvalidInput) as refused:
        setup.create_terminal(db, me, setup.NewTerminal("Till 9", uuid.UUID(other_tenant.branch_id)))
    assert refused.value.field == "branch_id"
    for attempt in (
        lambda: setup.revoke_key(db, me, their_key.id),
        lambda: center.rule(db, me, their_rule.id),
        lambda: center.revise_rule(db, me, their_rule.id, dairy_rate(name="Mine now")),
        lambda: center.set_rule_status(db, me, their_rule.id, "stopped"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert center.rule(db, them, their_rule.id).status == "active"
    assert setup.keys(db, them)[0].revoked_at is None


def test_another_business_s_sale_and_member_are_not_found_by_the_till_use_cases(
    db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    confirmed = other_tenant.client.post("/v1/purchases", json=dairy_basket(), headers=other_tenant.pos)
    assert confirmed.status_code == 201, confirmed.text
    their_member = uuid.UUID(register(other_tenant, "+41791234567")["id"])
    till = caller(db, tenant.pos_key)
    with pytest.raises(NotFound):
        sales.sale(db, till, uuid.UUID(confirmed.json()["id"]))
    assert sales.till_sales(db, till, transaction_id="TRY-1") == []
    with pytest.raises(NotFound):
        events.record_event(db, till, events.NewEvent(their_member, "birthday"))
