"""Formats from CLDR by locale, the choice of a language, and the engine's explanations said in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from loyalty.errors import InvalidInput
from loyalty.i18n import Speech, checked, choose
from loyalty.rules import Context, Line, Member, Payment, Purchase, evaluate, parse_rule

AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "language, money, points, day",
    [
        ("de", "CHF\xa01'234.50", "1'234.50", "6.12.2026"),
        ("fr", "1'234,50\xa0CHF", "1'234,50", "06.12.2026"),
        ("it", "CHF\xa01'234.50", "1'234.50", "06/12/2026"),
        ("en", "CHF\xa01'234.50", "1'234.50", "06.12.2026"),
    ],
)
def test_a_swiss_business_writes_money_points_and_dates_as_cldr_has_them(language, money, points, day):
    speech = Speech.of(language, "CH")
    assert speech.money(Decimal("1234.5"), "CHF") == money
    assert speech.points(Decimal("1234.50"), 2) == points
    assert speech.points(Decimal("1200"), 2) == "1'200"  # whole points bare
    assert speech.date(AT, "Europe/Zurich") == day


def test_elsewhere_the_language_takes_the_business_country():
    assert Speech.of("fr", "FR").money(Decimal("1234.5"), "EUR") == "1\u202f234,50\xa0€"
    assert Speech.of("de", "DE").date(AT, "Europe/Berlin") == "6.12.2026"
    assert Speech.of("it", "XX").tag == "it"  # a country CLDR does not pair with the language: the language alone


def test_the_last_day_of_an_expiry_is_named_in_words_in_the_business_time_zone():
    midnight = datetime(2027, 3, 31, 22, 0, tzinfo=UTC)  # 1 April 00:00 in Zurich: the points' last day is 31 March
    assert Speech.of("en").last_day(midnight, "Europe/Zurich") == "31 March 2027"
    assert Speech.of("fr").last_day(midnight, "Europe/Zurich") == "31 mars 2027"
    assert Speech.of("de").last_day(midnight, "Europe/Zurich") == "31. März 2027"
    assert Speech.of("it").last_day(midnight, "Europe/Zurich") == "31 marzo 2027"


@pytest.mark.parametrize(
    "header, default, chosen",
    [
        ("fr-CH,fr;q=0.9,en;q=0.8", "de", "fr"),
        ("en-GB;q=0.3, it-CH", "en", "it"),
        ("es-ES, pt", "de", "de"),  # none of ours: the business's
        ("", "it", "it"),
        (None, None, "en"),
        ("de;q=0, fr;q=0.1", "en", "fr"),  # q=0 means "not this one"
        ("fr;q=abc, de", "en", "de"),
    ],
)
def test_accept_language_picks_one_of_ours_by_weight_else_the_default(header, default, chosen):
    assert choose(header, default) == chosen


@pytest.mark.parametrize("wrong", ["es", "FR", "fr-CH", "", None, 3])
def test_a_language_setting_is_one_of_four_exactly_or_a_422_naming_the_field(wrong):
    with pytest.raises(InvalidInput) as refused:
        checked(wrong, "language")
    assert refused.value.field == "language"


def _rule(action: dict, name: str = "Cinema") -> object:
    body = {"name": name, "trigger": "purchase", "status": "active", "actions": [action]}
    return parse_rule(body, id="r-1", revision=1)


def _purchase(*lines: tuple[str, str, str, str], paid: dict[str, str] | None = None) -> Purchase:
    made = tuple(
        Line(line_id=str(i), code=code, department=department, quantity=Decimal(quantity), amount=Decimal(amount))
        for i, (code, department, quantity, amount) in enumerate(lines)
    )
    total = sum((line.amount for line in made), Decimal(0))
    payments = tuple(Payment(mop=mop, amount=Decimal(amount)) for mop, amount in (paid or {"cash": str(total)}).items())
    return Purchase(transaction_id="T-1", lines=made, payments=payments)


def _award(rule: object, purchase: Purchase):
    outcome = evaluate(purchase, Member(id="m-1"), [rule], at=AT, context=Context())
    return outcome.awards[0]


def test_the_engine_s_explanation_is_data_the_shell_says_in_each_language_with_its_numbers():
    percent = {"type": "add_points", "mode": "percent", "percent": "10", "items": {"departments": ["tix"]}}
    award = _award(_rule(percent), _purchase(("FILM", "tix", "1", "1234.50")))
    assert award.explanation == "10% of 1234.50 on tix = 123.45"  # the engine's own English, as always
    said = {language: Speech.of(language, "CH").explain(award) for language in ("en", "fr", "de", "it")}
    assert said == {
        "en": "10% of 1'234.50 on tix = 123.45",
        "fr": "10 % de 1'234,50 sur tix = 123,45",
        "de": "10 % von 1'234.50 auf tix = 123.45",
        "it": "10% di 1'234.50 su tix = 123.45",
    }


def test_nested_words_are_translated_too_names_stay_as_the_marketer_wrote_them():
    repeat = {"type": "add_points", "mode": "repeat", "points": "1", "exclude_items": {"tags": ["alcohol"]}}
    purchase = _purchase(("COLA", "drinks", "2", "6.00"))
    award = _award(_rule(repeat), purchase)
    assert award.explanation == "1 point × 2 items except alcohol = 2"
    assert Speech.of("fr").explain(award) == "1 point × 2 articles sauf alcohol = 2"
    assert Speech.of("de").explain(award) == "1 Punkt × 2 Artikel ausser alcohol = 2"
    assert Speech.of("it").explain(award) == "1 punto × 2 articoli tranne alcohol = 2"


def test_a_fixed_award_names_its_occasion_and_its_rule_in_each_language():
    fixed = {"type": "add_points", "mode": "fixed", "points": "50"}
    rule = parse_rule(
        {"name": "Bienvenue", "trigger": "joined", "status": "active", "actions": [fixed]}, id="r-2", revision=1
    )
    outcome = evaluate(None, Member(id="m-1"), [rule], at=AT, context=Context(), trigger="joined")
    award = outcome.awards[0]
    assert award.explanation == "Bienvenue: 50 points for joining"
    assert Speech.of("fr").explain(award) == "Bienvenue : 50 points pour l'inscription"
    assert Speech.of("de").explain(award) == "Bienvenue: 50 Punkte für die Anmeldung"
    assert Speech.of("it").explain(award) == "Bienvenue: 50 punti per l'iscrizione"


def test_excluded_means_of_payment_are_said_with_or_in_the_language():
    rate = {"type": "add_points", "mode": "rate", "points": "1", "per": "1.00", "exclude_mops": ["points", "voucher"]}
    purchase = _purchase(("A", "x", "1", "30.00"), paid={"cash": "10.00", "points": "10.00", "voucher": "10.00"})
    award = _award(_rule(rate), purchase)
    assert (
        award.explanation
        == "1 point per 1.00: 10.00 paid in cash (20.00 paid with points or voucher excluded) → 10 × 1 = 10"
    )
    assert Speech.of("fr").explain(award) == (
        "1 point par tranche de 1,00 : 10,00 payés en cash (20,00 payés en points ou voucher exclus) → 10 × 1 = 10"
    )
    assert Speech.of("de").explain(award) == (
        "1 Punkt pro 1.00: 10.00 bezahlt mit cash (20.00 mit points oder voucher bezahlt, ausgenommen) → 10 × 1 = 10"
    )


@pytest.mark.parametrize("language", ["en", "fr", "de", "it"])
@pytest.mark.parametrize("country", ["CH", "FR", "DE", "AT", "IT", "BE", "US", "GB", "IN", "ES", "PL"])
def test_numbers_are_written_as_babel_writes_the_pattern_of_grouped_thousands(language, country):
    from babel.numbers import parse_pattern

    speech = Speech.of(language, country)
    values = [Decimal(sign + digits) for sign in ("", "-") for digits in _NUMBERS]
    if country == "CH":  # see the next test
        values = [value for value in values if abs(value) < 999_999]
    for decimals in range(4):
        pattern = parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))
        for value in values:
            expected = pattern.apply(value, speech.locale, decimal_quantization=True)
            assert speech.number(value, decimals) == expected, (value, decimals)


def test_a_swiss_million_keeps_its_group_marks():
    # Babel reads two apostrophes in its output as quoted text, and drops them: "1234567".
    assert Speech.of("de", "CH").number(Decimal("1234567.891"), 2) == "1'234'567.89"
    assert Speech.of("fr", "CH").number(Decimal("-1234567890"), 0) == "-1'234'567'890"


def test_a_number_with_more_decimals_than_any_money_is_written_whole():
    assert Speech.of("en", "CH").plain(Decimal("0.0000000000000000000012")) == "0.0000000000000000000012"


# Halves at every position (rounded to even), zeros, groups of every length, more decimals than written.
_NUMBERS = [
    "0", "0.005", "0.015", "0.5", "1.5", "2.5", "2.675", "999.995", "1000", "1234.5", "12345.675",
    "123456.125", "1234567.89", "9999999.9999", "1E+3", "1.00000001", "0.000", "12E-5",
]  # fmt: skip
