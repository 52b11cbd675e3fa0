"""A name a marketer wrote, with its translations: which one a reader of a language sees.

The written name is the default; a translation (`{"fr": "Café offert"}`) replaces it for readers of that language
only. Pure, so the engine's messages and every door pick names the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["Translations", "name_in", "translations_of"]

Translations = tuple[tuple[str, str], ...]  # (("de", "Gratis Kaffee"), ("fr", "Café offert")), sorted


def translations_of(names: Mapping[str, object] | Iterable[tuple[str, str]] | None) -> Translations:
    """The non-empty translations of a stored `names` (a dict, or pairs), sorted by language."""
    if not names:
        return ()
    pairs = names.items() if isinstance(names, Mapping) else names
    return tuple(sorted((str(language), text) for language, text in pairs if isinstance(text, str) and text.strip()))


def name_in(written: str, names: Mapping[str, object] | Iterable[tuple[str, str]] | None, language: str | None) -> str:
    """The name for a reader of `language`: its translation when there is one, otherwise the name as written."""
    if language:
        for known, text in translations_of(names):
            if known == language:
                return text
    return written
