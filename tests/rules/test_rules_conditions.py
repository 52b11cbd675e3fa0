"""When a rule may fire: status and validity, conditions, time windows and weekdays in local time, limits."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from loyalty.rules import Context, Line, Member, Payment, Purchase, Trigger, evaluate, parse_rule

ZURICH = ZoneInfo("Europe/Zurich")
SWISS = Context(timezone=ZURICH)
WEDNESDAY_NOON = datetime(2024, 6, 5, 12, 0, tzinfo=ZURICH)  # 10:00 UTC


def bonus(points: str = "10", *, trigger: str = "purchase", rule_id: str = "r-1", **fields: object):
    """An active rule giving fixed points, with the given conditions, limits or validity."""
    body = {"name": "bonus", "trigger": trigger, "status": "active", **fields}
    body["actions"] = [{"type": "add_points", "mode": "fixed", "points": points}]
    return parse_rule(body, id=rule_id, revision=1)


def sale(*lines: Line, branch: str | None = "b-1", payments: tuple[Payment, ...] = ()) -> Purchase:
    lines = lines or (line("1", "MILK", "5.00"),)
    return Purchase(transaction_id="T-1", lines=lines, payments=payments, branch_id=branch)


def line(line_id: str, code: str, amount: str, *, department="food", quantity="1", tags=()) -> Line:
    return Line(
        line_id=line_id,
        code=code,
        amount=Decimal(amount),
        quantity=Decimal(quantity),
        department=department,
        tags=tuple(tags),
    )


def earned(rule, purchase=None, *, at=WEDNESDAY_NOON, member=None, context=SWISS, **kwargs) -> Decimal:
    purchase = sale() if purchase is None and kwargs.get("trigger", "purchase") == "purchase" else purchase
    outcome = evaluate(purchase, member or Member(id="m"), [rule], at=at, context=context, **kwargs)
    return outcome.points


def test_only_active_rules_fire():
    assert earned(bonus()) == 10
    for status in ("draft", "stopped"):
        assert earned(bonus(status=status)) == 0


@pytest.mark.parametrize(
    "valid_from, valid_until, fires",
    [
        (None, None, True),
        ("2024-06-05T10:00:00Z", None, True),  # valid_from is inclusive
        ("2024-06-05T10:00:01Z", None, False),
        (None, "2024-06-05T10:00:00Z", False),  # valid_until is exclusive
        (None, "2024-06-05T10:00:01Z", True),
    ],
)
def test_a_rule_fires_only_inside_its_validity_window(valid_from, valid_until, fires):
    rule = bonus(valid_from=valid_from, valid_until=valid_until)
    assert earned(rule) == (10 if fires else 0)


@pytest.mark.parametrize("total, fires", [("49.99", False), ("50.00", True), ("80.00", True)])
def test_min_spend_needs_the_purchase_total_to_reach_it(total, fires):
    rule = bonus(conditions={"min_spend": "50.00"})
    assert earned(rule, sale(line("1", "TV", total))) == (10 if fires else 0)


def test_min_spend_counts_the_total_after_loyalty_discounts():
    rule = bonus(conditions={"min_spend": "50.00"})
    purchase = sale(line("1", "TV", "55.00"))
    assert earned(rule, purchase) == 10
    assert earned(rule, purchase, line_discounts={"1": Decimal("5.01")}) == 0


@pytest.mark.parametrize(
    "contains, fires",
    [
        ({"codes": ["MILK"]}, True),
        ({"departments": ["dairy"]}, True),
        ({"tags": ["organic"]}, True),
        ({"codes": ["BEER"]}, False),
        ({"departments": ["dairy"], "min_quantity": "3"}, True),
        ({"departments": ["dairy"], "min_quantity": "3.5"}, False),
    ],
)
def test_contains_needs_a_matching_line_and_enough_of_it(contains, fires):
    purchase = sale(
        line("1", "MILK", "2.00", department="dairy", quantity="2"),
        line("2", "YOGURT", "1.00", department="dairy", tags=["organic"]),
        line("3", "BREAD", "3.00", department="bakery"),
    )
    assert earned(bonus(conditions={"contains": contains}), purchase) == (10 if fires else 0)


@pytest.mark.parametrize("branch, fires", [("b-1", True), ("b-2", True), ("b-3", False), (None, False)])
def test_branches_limit_a_rule_to_the_listed_branches(branch, fires):
    rule = bonus(conditions={"branches": ["b-1", "b-2"]})
    assert earned(rule, sale(branch=branch)) == (10 if fires else 0)


@pytest.mark.parametrize(
    "tags, fires", [({"VIP"}, True), ({"staff", "gold"}, True), ({"staff"}, False), (set(), False)]
)
def test_member_tags_need_the_member_to_have_any_of_them(tags, fires):
    rule = bonus(conditions={"member_tags": ["VIP", "gold"]})
    assert earned(rule, member=Member(id="m", tags=frozenset(tags))) == (10 if fires else 0)


@pytest.mark.parametrize("lifetime, fires", [("99.99", False), ("100", True), ("250", True)])
def test_lifetime_points_at_least_compares_the_members_lifetime_points(lifetime, fires):
    rule = bonus(conditions={"lifetime_points_at_least": "100"})
    assert earned(rule, member=Member(id="m", lifetime_points=Decimal(lifetime))) == (10 if fires else 0)


@pytest.mark.parametrize(
    "local, fires",
    [
        (datetime(2024, 6, 8, 12, 0), True),  # Saturday
        (datetime(2024, 6, 9, 23, 59), True),  # Sunday, late
        (datetime(2024, 6, 10, 0, 1), False),  # Monday, just after midnight
    ],
)
def test_weekdays_are_read_in_business_local_time(local, fires):
    rule = bonus(conditions={"weekdays": ["sat", "sun"]})
    at = local.replace(tzinfo=ZURICH)
    assert earned(rule, at=at) == (10 if fires else 0)


def test_a_weekday_near_midnight_depends_on_the_business_timezone():
    rule = bonus(conditions={"weekdays": ["sun"]})
    # Saturday 23:30 UTC is already Sunday 01:30 in Zurich (summer time).
    at = datetime(2024, 6, 8, 23, 30, tzinfo=UTC)
    assert earned(rule, at=at, context=Context(timezone=UTC)) == 0
    assert earned(rule, at=at, context=SWISS) == 10


@pytest.mark.parametrize(
    "window, local_time, fires",
    [
        ({"time_from": "10:00", "time_until": "14:00"}, (10, 0), True),
        ({"time_from": "10:00", "time_until": "14:00"}, (13, 59), True),
        ({"time_from": "10:00", "time_until": "14:00"}, (14, 0), False),
        ({"time_from": "10:00", "time_until": "14:00"}, (9, 59), False),
        ({"time_from": "22:00", "time_until": "02:00"}, (23, 0), True),  # across midnight
        ({"time_from": "22:00", "time_until": "02:00"}, (1, 59), True),
        ({"time_from": "22:00", "time_until": "02:00"}, (2, 0), False),
        ({"time_from": "22:00", "time_until": "02:00"}, (12, 0), False),
        ({"time_from": "18:00"}, (23, 59), True),
        ({"time_from": "18:00"}, (17, 59), False),
        ({"time_until": "09:00"}, (8, 59), True),
        ({"time_until": "09:00"}, (9, 0), False),
    ],
)
def test_time_windows_are_business_local_and_may_cross_midnight(window, local_time, fires):
    at = datetime(2024, 6, 5, *local_time, tzinfo=ZURICH).astimezone(UTC)
    assert earned(bonus(conditions=window), at=at) == (10 if fires else 0)


def test_a_code_used_rule_fires_only_for_its_code_whatever_the_case_typed():
    rule = bonus(trigger="code_used", conditions={"code": "SUMMER10"})
    assert earned(rule, trigger=Trigger.code_used("summer10")) == 10
    assert earned(rule, trigger=Trigger.code_used("WINTER")) == 0


def test_an_event_rule_fires_only_for_its_event():
    rule = bonus(trigger="event", conditions={"event": "birthday"})
    assert earned(rule, trigger=Trigger.custom_event("birthday")) == 10
    assert earned(rule, trigger=Trigger.custom_event("anniversary")) == 0


def test_a_rule_fires_only_on_its_own_trigger():
    assert earned(bonus(trigger="joined"), sale()) == 0
    assert earned(bonus(), trigger="joined") == 0


def uses(*moments: datetime, rule_id: str = "r-1") -> Member:
    return Member(id="m", rule_uses={rule_id: moments})


@pytest.mark.parametrize(
    "period, earlier_use, fires",
    [
        ("day", datetime(2024, 6, 5, 0, 5, tzinfo=ZURICH), False),  # same local day
        ("day", datetime(2024, 6, 4, 23, 55, tzinfo=ZURICH), True),  # yesterday
        ("day", datetime(2024, 6, 4, 22, 30, tzinfo=UTC), False),  # 00:30 today in Zurich
        ("week", datetime(2024, 6, 3, 8, 0, tzinfo=ZURICH), False),  # Monday of the same ISO week
        ("week", datetime(2024, 6, 2, 20, 0, tzinfo=ZURICH), True),  # the Sunday before
        ("month", datetime(2024, 6, 1, 0, 0, tzinfo=ZURICH), False),
        ("month", datetime(2024, 5, 31, 23, 59, tzinfo=ZURICH), True),
        ("year", datetime(2024, 1, 1, 0, 0, tzinfo=ZURICH), False),
        ("year", datetime(2023, 12, 31, 23, 0, tzinfo=ZURICH), True),
        ("ever", datetime(2019, 1, 1, tzinfo=UTC), False),
    ],
)
def test_a_limit_counts_the_members_uses_in_the_calendar_period_of_the_purchase(period, earlier_use, fires):
    rule = bonus(limits={"per_member": 1, "period": period})
    assert earned(rule, member=uses(earlier_use)) == (10 if fires else 0)


def test_a_limit_of_three_a_week_allows_the_third_and_refuses_the_fourth():
    rule = bonus(limits={"per_member": 3, "period": "week"})
    monday = datetime(2024, 6, 3, 9, 0, tzinfo=ZURICH)
    assert earned(rule, member=uses(monday, monday + timedelta(hours=1))) == 10
    assert earned(rule, member=uses(monday, monday + timedelta(hours=1), monday + timedelta(hours=2))) == 0


def test_a_limit_counts_only_the_uses_of_that_rule():
    rule = bonus(limits={"per_member": 1, "period": "ever"})
    assert earned(rule, member=uses(WEDNESDAY_NOON, rule_id="another-rule")) == 10


def test_a_lifetime_rule_fires_when_the_threshold_is_crossed_and_only_once():
    rule = bonus("500", trigger="lifetime_points", conditions={"lifetime_points_at_least": "1000"})
    member = Member(id="m", lifetime_points=Decimal("1005"))
    assert earned(rule, member=member, trigger=Trigger.lifetime_points(before=Decimal("990"))) == 500
    # already at or above the threshold before: nothing crossed
    assert earned(rule, member=member, trigger=Trigger.lifetime_points(before=Decimal("1000"))) == 0
    # crossed again after falling back (a return): still once per member
    again = Member(id="m", lifetime_points=Decimal("1005"), rule_uses={"r-1": (WEDNESDAY_NOON,)})
    assert earned(rule, member=again, trigger=Trigger.lifetime_points(before=Decimal("990"))) == 0
    # not reached yet
    below = Member(id="m", lifetime_points=Decimal("999"))
    assert earned(rule, member=below, trigger=Trigger.lifetime_points(before=Decimal("0"))) == 0


def test_the_explanation_of_a_skipped_rule_says_what_was_missing():
    rules = [
        bonus(rule_id="a", conditions={"min_spend": "50.00"}),
        bonus(rule_id="b", conditions={"weekdays": ["sat"]}),
        bonus(rule_id="c", conditions={"time_from": "18:00", "time_until": "20:00"}),
        bonus(rule_id="d", conditions={"member_tags": ["VIP"]}),
        bonus(rule_id="e", limits={"per_member": 1, "period": "day"}),
        bonus(rule_id="f", status="draft"),
        bonus(rule_id="g", conditions={"contains": {"codes": ["BEER"]}}),
    ]
    member = uses(WEDNESDAY_NOON - timedelta(hours=1), rule_id="e")
    outcome = evaluate(sale(), member, rules, at=WEDNESDAY_NOON, context=SWISS, explain=True)
    reasons = {skipped.rule_id: skipped.reason.english() for skipped in outcome.skipped}
    assert reasons == {
        "a": "needs a purchase of at least 50.00 (this one is 5.00)",
        "b": "only on sat",
        "c": "only from 18:00 to 20:00 (it is 12:00)",
        "d": "only for members tagged VIP",
        "e": "already given once per day to this member",
        "f": "is draft, not active",
        "g": "needs BEER in the sale",
    }
