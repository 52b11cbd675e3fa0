"""One language as a business's country writes it: its words (the catalogue) and its formats (CLDR, by Babel).

A Swiss business speaks de_CH, fr_CH, it_CH or en_CH: `CHF 1'234.50`, `1'234,50 CHF`, `6.12.2026`. Elsewhere
the language with the business's country when CLDR knows it (fr_FR, de_AT), else the language alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, get_day_names
from babel.lists import format_list
from babel.numbers import format_currency, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from babel.support import Translations

from loyalty.i18n.catalogues import translations
from loyalty.i18n.choice import Language, parse_language
from loyalty.rules.message import Amount, Message, Moment, Name, Names, Number, Points, Value, Weekdays
from loyalty.rules.wording import join_or
from loyalty.rules.written import Translations as Translated
from loyalty.rules.written import name_in

__all__ = ["Speech"]


@cache
def _locale(language: Language, country: str) -> Locale:
    try:
        return Locale.parse(f"{language}_{country.upper()}")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(language)


@cache
def _quantum(decimals: int) -> Decimal:
    """The step of a number written with `decimals` decimals: 0.01 for 2."""
    return Decimal(1).scaleb(-decimals)


@cache
def _marks(locale: Locale) -> dict[int, str]:
    """What Python's grouped number ("-1,234.50") becomes in `locale` (its minus sign, group and decimal marks):
    Babel's pattern `#,##0.00` in every locale, but for a Swiss million, whose apostrophes Babel drops
    (tests/i18n/test_speech.py compares them)."""
    return str.maketrans(
        {"-": get_minus_sign_symbol(locale), ",": get_group_symbol(locale), ".": get_decimal_symbol(locale)}
    )


@dataclass(frozen=True)
class Speech:
    language: Language
    locale: Locale
    words: Translations

    @classmethod
    def of(cls, language: str | None, country: str = "CH") -> Speech:
        chosen = parse_language(language) or "en"
        return cls(chosen, _locale(chosen, country or "CH"), translations(chosen))

    @property
    def tag(self) -> str:
        """The BCP 47 tag pages and Intl use: "fr-CH"."""
        return str(self.locale).replace("_", "-")

    def gettext(self, message: str) -> str:
        return self.words.ugettext(message)

    def tr(self, message: str, **values: object) -> str:
        """A sentence of the shell (a text message, a label) in this language, its fields filled in."""
        try:
            return self.gettext(message).format_map(values)
        except (KeyError, IndexError, ValueError):
            return message.format_map(values)  # a translation naming a field wrongly must not stop a message

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.words.ungettext(singular, plural, count)

    # Numbers -------------------------------------------------------------------------------------------------

    def number(self, value: Decimal, decimals: int) -> str:
        """`value` with exactly `decimals` decimals, grouped by thousands with the locale's marks: 1'234.50. Rounded
        as Babel rounds, by the decimal context (half to even)."""
        return format(value.quantize(_quantum(decimals)), ",f").translate(_marks(self.locale))

    def plain(self, value: Decimal) -> str:
        """A number without trailing zeros: 2.5 -> "2,5" in French."""
        normalized = value.normalize()
        exponent = normalized.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return self.number(value, decimals)

    def points(self, value: Decimal, decimals: int) -> str:
        """Whole points bare ("1'200"), others at the business precision ("1.50")."""
        return self.number(value, 0 if value == value.to_integral_value() else decimals)

    def money(self, amount: Decimal, currency: str) -> str:
        """Money with its currency as the locale writes it: "CHF 1'234.50", "1'234,50 CHF"."""
        return format_currency(amount, currency, locale=self.locale)

    # Dates, in the business's time zone -------------------------------------------------------------------------

    def date(self, moment: datetime, timezone: str) -> str:
        """ "6.12.2026" (de_CH), "06.12.2026" (fr_CH)."""
        return format_skeleton("yMd", moment.astimezone(ZoneInfo(timezone)), locale=self.locale)

    def moment(self, moment: datetime, timezone: str) -> str:
        local = moment.astimezone(ZoneInfo(timezone))
        return f"{format_skeleton('yMd', local, locale=self.locale)} {format_skeleton('Hm', local, locale=self.locale)}"

    def day(self, moment: datetime, timezone: str) -> str:
        """A day in words: "6 December 2026", "6 décembre 2026", "6. Dezember 2026"."""
        return format_date(moment.astimezone(ZoneInfo(timezone)).date(), "long", locale=self.locale)

    def last_day(self, ends_at: datetime, timezone: str) -> str:
        """The day that ends at local midnight `ends_at` (an expiry): the second before it is that day."""
        return self.day(ends_at - timedelta(seconds=1), timezone)

    def name(self, written: str, translations: Translated | Mapping[str, object] | None) -> str:
        """A name a marketer wrote, as a reader of this language sees it: its translation, else as written."""
        return name_in(written, translations, self.language)

    # The engine's messages ---------------------------------------------------------------------------------------

    def explain(self, said: Any) -> str:
        """An award's, effect's or punch's explanation in this language (its English one when it has no message)."""
        message = getattr(said, "message", None)
        return self.say(message) if isinstance(message, Message) else str(getattr(said, "explanation", ""))

    def say(self, message: Message) -> str:
        """The engine's (or the shell's) message in this language, its values in this locale's formats."""
        template = self.gettext(message.id) if message.id else ""
        values = {name: self._value(value) for name, value in message.values}
        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            return message.id.format_map(values)  # a translation naming a field wrongly must not break a sale

    def _value(self, value: Value) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Message):
            return self.say(value)
        if isinstance(value, Name):
            return value.said_in(self.language)
        if isinstance(value, Amount):
            return self.number(value.value, value.exponent)
        if isinstance(value, Points):
            return self.points(value.value, value.decimals)
        if isinstance(value, Number):
            return self.plain(value.value)
        if isinstance(value, Names):
            if self.language == "en" or len(value.names) < 2:
                return join_or(value.names)
            return format_list(sorted(value.names), style="or", locale=self.locale)
        if isinstance(value, Weekdays):
            if self.language == "en":
                return value.english()
            names = get_day_names("wide", locale=self.locale)  # Babel numbers days as date.weekday() does
            return format_list([names[day] for day in value.days], locale=self.locale)
        if isinstance(value, Moment):
            if self.language == "en":
                return value.english()
            try:
                return self.moment(value.at, value.timezone)
            except (ValueError, KeyError):  # a zone without an IANA name (a test's fixed offset)
                return value.english()
        raise TypeError(f"not a message value: {value!r}")
