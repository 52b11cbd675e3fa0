"""Why a rule did not fire, in four languages: the simulation's `skipped[].reason` follows Accept-Language (else
the business's language) with the locale's numbers, day names and dates; in English it reads as it always did."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from loyalty.i18n.speech import Speech
from loyalty.rules import Context, Line, Member, Purchase, evaluate, parse_rule
from loyalty.rules.message import from_data
from tests.conftest import Tenant

MONDAY = "2026-12-07T10:00:00+01:00"
ZURICH = ZoneInfo("Europe/Zurich")
POINTS = [{"type": "add_points", "mode": "fixed", "points": "10"}]


def tried(tenant: Tenant, conditions: dict[str, Any], language: str | None, **asked: Any) -> str:
    """The reason the simulation gives for one draft rule with `conditions`, read in `language`."""
    headers = tenant.admin if language is None else {**tenant.admin, "Accept-Language": f"{language}-CH,{language}"}
    rule = {"name": "Bonus", "trigger": "purchase", "conditions": conditions, "actions": POINTS}
    basket = {
        "transaction_id": "TRY-1",
        "items": [{"line_id": "1", "code": "MILK", "department": "dairy", "quantity": 1, "amount": "2.50"}],
        "payments": [{"mop": "cash", "amount": "2.50"}],
    }
    body = {"purchase": basket, "rules": [rule], "at": MONDAY, **asked}
    answer = tenant.client.post("/v1/rules/simulate", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    [skipped] = answer.json()["skipped"]
    return str(skipped["reason"])


TAGGED = {
    "en": "only for members tagged VIP or staff",
    "fr": "seulement pour les membres étiquetés VIP ou staff",
    "de": "nur für Mitglieder mit Tag VIP oder staff",
    "it": "solo per i soci con etichetta VIP o staff",
}
WEEKEND = {
    "en": "only on sat, sun",
    "fr": "seulement le samedi et dimanche",
    "de": "nur am Samstag und Sonntag",
    "it": "solo di sabato e domenica",
}
# A Swiss business's numbers, as its explanations write them: 1'234.50 in English, German and Italian, 1'234,50
# in French.
QUANTITY = {
    "en": "needs at least 2.5 of dairy (this sale has 1)",
    "fr": "demande au moins 2,5 de dairy (cette vente en a 1)",
    "de": "erfordert mindestens 2.5 von dairy (dieser Verkauf hat 1)",
    "it": "richiede almeno 2.5 di dairy (questa vendita ne ha 1)",
}
SPEND = {
    "en": "needs a purchase of at least 1'234.50 (this one is 2.50)",
    "fr": "demande un achat d'au moins 1'234,50 (celui-ci est de 2,50)",
    "de": "erfordert einen Einkauf von mindestens 1'234.50 (dieser beträgt 2.50)",
    "it": "richiede un acquisto di almeno 1'234.50 (questo è di 2.50)",
}
WINDOW = {
    "en": "only from 18:00 to 22:00 (it is 10:00)",
    "fr": "seulement de 18:00 à 22:00 (il est 10:00)",
    "de": "nur von 18:00 bis 22:00 (es ist 10:00)",
    "it": "solo dalle 18:00 alle 22:00 (sono le 10:00)",
}


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
def test_a_simulation_says_why_each_condition_fails_in_the_language_asked(tenant: Tenant, language: str) -> None:
    member = {"member": {"tags": ["regular"]}}
    assert tried(tenant, {"member_tags": ["VIP", "staff"]}, language, **member) == TAGGED[language]
    assert tried(tenant, {"weekdays": ["sat", "sun"]}, language) == WEEKEND[language]
    contains = {"contains": {"departments": ["dairy"], "min_quantity": "2.5"}}
    assert tried(tenant, contains, language) == QUANTITY[language]
    assert tried(tenant, {"min_spend": "1234.50"}, language) == SPEND[language]
    assert tried(tenant, {"time_from": "18:00", "time_until": "22:00"}, language) == WINDOW[language]


def test_without_accept_language_the_business_s_language_gives_the_reason(tenant: Tenant) -> None:
    assert tried(tenant, {"weekdays": ["sat", "sun"]}, None) == WEEKEND["en"]
    changed = tenant.client.patch("/v1/business", json={"language": "de"}, headers=tenant.admin)
    assert changed.status_code == 200, changed.text
    assert tried(tenant, {"weekdays": ["sat", "sun"]}, None) == WEEKEND["de"]
    assert tried(tenant, {"weekdays": ["sat", "sun"]}, "fr") == WEEKEND["fr"]


def reason_of(rule: dict[str, Any], member: Member, *, at: datetime, purchase: Purchase | None = None):
    parsed = parse_rule({"name": "Bonus", "trigger": "purchase", **rule}, id="r-1", revision=1)
    milk = Line(line_id="1", code="MILK", amount=Decimal("2.50"), department="dairy")
    purchase = purchase or Purchase(transaction_id="T-1", lines=(milk,), payments=())
    outcome = evaluate(purchase, member, [parsed], at=at, context=Context(timezone=ZURICH), explain=True)
    [skipped] = outcome.skipped
    return skipped.reason


def said(reason: Any) -> dict[str, str]:
    """The reason in each language, and the same once stored and read back (`to_data`, `from_data`)."""
    again = from_data(reason.to_data())
    spoken = {language: Speech.of(language, "CH").say(reason) for language in ("en", "fr", "de", "it")}
    assert spoken == {language: Speech.of(language, "CH").say(again) for language in spoken}
    assert spoken["en"] == reason.english()
    return spoken


def test_a_limit_reached_is_said_in_each_language() -> None:
    at = datetime(2026, 12, 9, 12, 0, tzinfo=ZURICH)
    used = Member(id="m", rule_uses={"r-1": (datetime(2026, 12, 7, 9, 0, tzinfo=ZURICH),)})
    weekly = {"status": "active", "actions": POINTS, "limits": {"per_member": 1, "period": "week"}}
    assert said(reason_of(weekly, used, at=at)) == {
        "en": "already given once per week to this member",
        "fr": "déjà accordée une fois par semaine à ce membre",
        "de": "diesem Mitglied bereits einmal pro Woche gewährt",
        "it": "già concessa una volta a settimana a questo socio",
    }
    thrice = Member(id="m", rule_uses={"r-1": (at, at, at)})
    ever = {**weekly, "limits": {"per_member": 3, "period": "ever"}}
    assert said(reason_of(ever, thrice, at=at))["de"] == "diesem Mitglied bereits 3-mal insgesamt gewährt"


def test_a_rule_not_yet_valid_names_its_start_as_the_locale_writes_a_moment() -> None:
    at = datetime(2026, 12, 7, 12, 0, tzinfo=ZURICH)
    later = {"status": "active", "actions": POINTS, "valid_from": "2026-12-24T17:00:00Z"}
    spoken = said(reason_of(later, Member(id="m"), at=at))
    assert spoken["en"] == "starts at 2026-12-24T17:00:00+00:00"
    assert spoken["fr"] == "commence le 24.12.2026 18:00"
    assert spoken["de"] == "beginnt am 24.12.2026 18:00"
    draft = said(reason_of({"actions": POINTS}, Member(id="m"), at=at))
    assert draft == {
        "en": "is draft, not active",
        "fr": "n'est pas active (brouillon)",
        "de": f"ist nicht aktiv ({Speech.of('de').gettext('draft')})",
        "it": f"non è attiva ({Speech.of('it').gettext('draft')})",
    }


def test_several_actions_that_give_nothing_join_their_reasons_in_each_language() -> None:
    at = datetime(2026, 12, 7, 12, 0, tzinfo=ZURICH)
    actions = [
        {"type": "add_points", "mode": "rate", "points": "1", "per": "10.00", "items": {"departments": ["dairy"]}},
        {"type": "add_points", "mode": "repeat", "points": "1", "every": "3", "items": {"codes": ["BREAD"]}},
    ]
    spoken = said(reason_of({"status": "active", "actions": actions}, Member(id="m"), at=at))
    assert spoken["en"] == "needs 10.00 on dairy (this sale has 2.50); no item in this sale counts for BREAD"
    assert spoken["fr"] == (
        "demande 10,00 sur dairy (cette vente a 2,50) ; aucun article de cette vente ne compte pour BREAD"
    )
