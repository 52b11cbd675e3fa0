"""How names are compared: item codes, departments, tags, means of payment and member tags match whatever their
case and surrounding spaces ("Dairy " is "dairy"), as the POS and the Campaign Center may spell them apart."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["name_key", "name_keys"]


def name_key(name: str) -> str:
    """The form two names are compared in: stripped of surrounding spaces, case folded."""
    return name.strip().casefold()


def name_keys(names: Iterable[str]) -> frozenset[str]:
    return frozenset(name_key(name) for name in names)
