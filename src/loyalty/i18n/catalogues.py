"""The gettext catalogues, read from the `.po` files themselves when first needed.

Reading the `.po` (Babel's parser) rather than compiled `.mo` files means there is no build step to forget: a fresh
clone, an editable install and a wheel all speak every language the repository has. Fuzzy entries are left out.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from loyalty.i18n.choice import Language

__all__ = ["LOCALES", "catalogue_path", "translations"]

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def catalogue_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: Language) -> Translations:
    """The language's translations (gettext, ngettext; an id missing from the catalogue is said as is)."""
    path = catalogue_path(language)
    if not path.is_file():
        return Translations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)
