"""Item selectors: which lines of a sale a rule, a benefit or a punch card looks at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from loyalty.rules.facts import Line
from loyalty.rules.names import name_key, name_keys
from loyalty.rules.wording import join_or

__all__ = ["WEEKDAYS", "ItemSelector", "LineKey"]

# Python's date.weekday() numbering: mon = 0 ... sun = 6.
WEEKDAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A name a line is selected by, as compared (`names.name_key`), with what it names: ("code", "milk"),
# ("department", "dairy"), ("tag", "bio"). A selector's keys and a basket's index of its lines by key make
# matching one lookup per name.
LineKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ItemSelector:
    """`{"codes", "departments", "tags"}`: a line matches when its code, its department or one of its tags is
    listed, whatever the case and surrounding spaces (`names.name_key`); the names are kept as written."""

    codes: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    # Worked out once: explanations quote it for every award.
    label: str = field(init=False, repr=False, compare=False)
    # The names as they are compared.
    code_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    department_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    tag_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    # All of them as the keys a basket indexes its lines by (`line_keys`).
    keys: frozenset[LineKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", join_or(self.codes | self.departments | self.tags))
        object.__setattr__(self, "code_keys", name_keys(self.codes))
        object.__setattr__(self, "department_keys", name_keys(self.departments))
        object.__setattr__(self, "tag_keys", name_keys(self.tags))
        keys = {
            *(("code", name) for name in self.code_keys),
            *(("department", name) for name in self.department_keys),
            *(("tag", name) for name in self.tag_keys),
        }
        object.__setattr__(self, "keys", frozenset(keys))

    def matches(self, line: Line) -> bool:
        return (
            name_key(line.code) in self.code_keys
            or (line.department is not None and name_key(line.department) in self.department_keys)
            or not self.tag_keys.isdisjoint(name_keys(line.tags))
        )

    def describe(self) -> str:
        """The listed names as a cashier reads them: "dairy", "A or B"."""
        return self.label
