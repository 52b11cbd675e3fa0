"""The JSON text of what is stored and answered: the standard library reads back what it was given."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from loyalty import jsontext


def test_the_text_reads_back_as_the_values_it_was_given() -> None:
    value = {"id": "{each} × {total}", "values": {"each": {"number": "10"}, "names": ["Café", "Kino"]}, "n": [1, None]}
    text = jsontext.dumps(value)
    assert json.loads(text) == value
    # Compact, and non-ASCII characters as written.
    assert text == '{"id":"{each} × {total}","values":{"each":{"number":"10"},"names":["Café","Kino"]},"n":[1,null]}'


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    huge = {"free_form": 2**70, "lone": "\ud800"}  # beyond 64 bits; a lone surrogate
    assert json.loads(jsontext.dumps(huge)) == huge


def test_keys_are_written_as_the_standard_library_writes_them() -> None:
    assert json.loads(jsontext.dumps({1: "a", "b": 2})) == {"1": "a", "b": 2}


def test_what_neither_can_write_is_still_refused() -> None:
    with pytest.raises(TypeError):
        jsontext.dumps({"amount": Decimal("1.50")})  # amounts are written as text by their owners
