"""Languages: the catalogues (gettext `.po`, read by Babel), the choice of a language, and formats from CLDR.

    language = choose(request.headers.get("accept-language"), business.language)  # "fr"
    speech = Speech.of(language, business.country)       # fr_CH: its words and its formats
    speech.gettext("Points earned"); speech.money(Decimal("1234.5"), "CHF")   # "1'234,50 CHF"
    speech.say(award.message)                            # the engine's explanation, in French

English is the source language: a message id is the English text, so an English catalogue may leave it as is.
"""

from loyalty.i18n.choice import LANGUAGES, Language, checked, choose, parse_language
from loyalty.i18n.speech import Speech

__all__ = ["LANGUAGES", "N_", "Language", "Speech", "checked", "choose", "parse_language"]


def N_(message: str) -> str:
    """Marks a message id for extraction where it is said later (a table of labels): returns it unchanged."""
    return message
