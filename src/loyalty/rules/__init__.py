"""The rules engine, the pure core of earning: stdlib only, facts in, an Outcome out, the clock passed in.

Rules (spec/api.md, "Rules")::

    rule = parse_rule(body, id="r-1", revision=3, currency_exponent=2)  # RuleInvalid(field, message): a 422
    rule_to_dict(rule)         # the canonical JSON: export, stored revisions
    index = RuleIndex(rules)   # once per business and rule version; cache it (read-only, shareable)

Earning on a purchase (the quote, the confirmed purchase and "try a basket" call the same function)::

    purchase = Purchase(
        transaction_id="T-1",
        branch_id="b-1",
        lines=(Line(line_id="1", code="MILK", department="dairy", quantity=D("2"), amount=D("5.00")),),
        payments=(Payment(mop="cash", amount=D("3.00")), Payment(mop="points", amount=D("2.00"))),
    )
    member = Member(id="m-1", tags=frozenset({"VIP"}), lifetime_points=D("40"),
                    rule_uses={"r-1": (datetime(2024, 6, 1, 9, tzinfo=UTC),)})
    context = Context(points_decimals=2, currency_exponent=2, timezone=ZoneInfo("Europe/Zurich"))
    outcome = evaluate(purchase, member, index, at=now, context=context,
                       line_discounts=discounts.line_discounts)

and on the other triggers, without a purchase::

    evaluate(None, member, index, at=now, context=context, trigger="joined")   # or Trigger.joined()
    evaluate(None, member, index, at=now, context=context, trigger=Trigger.code_used("SUMMER10"))
    evaluate(None, member, index, at=now, context=context, trigger=Trigger.custom_event("birthday"))
    # the thresholds crossed between `before` and member.lifetime_points, each once per member:
    evaluate(None, member, index, at=now, context=context, trigger=Trigger.lifetime_points(before=before))

`Outcome.points` is the total; `Outcome.awards` has one Award per earning action (rule id, revision, points,
per-line `LineShare`s adding up to the points, an explanation); `Outcome.effects` the benefits to grant and
the tags to add or remove; `Outcome.fired` the rules to record in the member's history (limits count them);
with `explain=True`, `Outcome.skipped` says why each other rule did not fire. `crossed_lifetime_rules(rules,
before=, after=)` says whether a change of lifetime points crosses any threshold at all.

Discounts from benefits and codes, applied before earning::

    template = parse_benefit(body, currency_exponent=2)  # BenefitInvalid(field, message): a 422
    request = DiscountRequest(id=asset_id, source="benefit", name="10% off coffee", template=template)
    discounts = apply_discounts(purchase.lines, [request], currency_exponent=2)
    discounts.applied, discounts.rejected, discounts.total, discounts.line_discounts

RuleInvalid and BenefitInvalid are both FieldInvalid (a ValueError with `.field` and `.message`).
Money and points are Decimals (`loyalty.money`); points are rounded down to `Context.points_decimals`.
"""

from loyalty.rules.discounts import (
    AppliedDiscount,
    Benefit,
    BenefitInvalid,
    DiscountRequest,
    Discounts,
    LineAmount,
    RejectedDiscount,
    apply_discounts,
    benefit_to_dict,
    parse_benefit,
)
from loyalty.rules.engine import crossed_lifetime_rules, evaluate, unmet_after_return
from loyalty.rules.facts import Context, Line, Member, Payment, Purchase, Trigger
from loyalty.rules.fields import FieldInvalid
from loyalty.rules.index import RuleIndex
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.outcome import Award, Effect, FiredRule, LineShare, Outcome, Skipped
from loyalty.rules.parse import RuleInvalid, parse_rule, rule_to_dict
from loyalty.rules.punches import Punch, PunchCard, PunchCardInvalid, parse_punch_card, punch_card_to_dict
from loyalty.rules.rule import Rule

__all__ = [
    "AppliedDiscount",
    "Award",
    "Benefit",
    "BenefitInvalid",
    "Context",
    "DiscountRequest",
    "Discounts",
    "Effect",
    "FieldInvalid",
    "FiredRule",
    "Line",
    "LineAmount",
    "LineShare",
    "Member",
    "Outcome",
    "Payment",
    "Punch",
    "PunchCard",
    "PunchCardInvalid",
    "Purchase",
    "RejectedDiscount",
    "Rule",
    "RuleIndex",
    "RuleInvalid",
    "Skipped",
    "Trigger",
    "apply_discounts",
    "benefit_to_dict",
    "crossed_lifetime_rules",
    "evaluate",
    "name_key",
    "name_keys",
    "parse_benefit",
    "parse_punch_card",
    "parse_rule",
    "punch_card_to_dict",
    "rule_to_dict",
    "unmet_after_return",
]
