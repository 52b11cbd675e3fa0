"""Rule files for `loyalty rules load` and `loyalty rules export`: JSON or YAML, holding `{"rules": [...]}` or
a bare list of rules, so a business's rules can be versioned in git and loaded again.

Numbers are read as Decimals in both formats (the engine refuses floats: their precision is already lost), and
YAML's 1.1 surprises are switched off: `10:30` stays a text, not the base-60 number 630.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml

Format = Literal["json", "yaml"]


class RuleFileInvalid(ValueError):
    """The file cannot be read as rules; the message says where and why."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with decimal numbers as Decimals and no base-60 integers or floats."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern) for tag, pattern in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?)$"),
    list("-+0123456789."),
)


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def format_of(path: Path) -> Format:
    return "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"


def read(path: Path) -> list[Any]:
    """The rules of a file (`.yaml`/`.yml` as YAML, anything else as JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileInvalid(f"{path}: cannot be read ({error})") from None
    return parse(text, format_of(path), source=str(path))


def parse(text: str, format: Format, *, source: str = "the file") -> list[Any]:
    try:
        if format == "yaml":
            data = yaml.load(text, Loader=_Loader)  # a SafeLoader: builds no Python objects
        else:
            data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, yaml.YAMLError) as error:
        raise RuleFileInvalid(f"{source}: not valid {format.upper()}: {error}") from None
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
    if not isinstance(data, list):
        raise RuleFileInvalid(f'{source}: must hold a list of rules, or an object {{"rules": [...]}}')
    return data


def dump(rules: Sequence[dict[str, object]], format: Format) -> str:
    """The text `read` takes back: `{"rules": [...]}` with every amount a string."""
    document = {"rules": list(rules)}
    if format == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
