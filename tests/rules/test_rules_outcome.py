"""Awards and line shares are frozen dataclasses like every other result, whichever way they are built."""

import dataclasses
from decimal import Decimal

import pytest

from loyalty.rules import Award, LineShare


def _award(**changes: object) -> Award:
    fields = {
        "rule_id": "r-1",
        "revision": 2,
        "rule_name": "Dairy",
        "action_index": 0,
        "points": Decimal("1.50"),
        "lines": (LineShare("1", Decimal("1.50")),),
        "explanation": "1.5 points per 1.00 on dairy: 1.50 → 1 × 1.5 = 1.50",
    }
    return Award(**{**fields, **changes})  # type: ignore[arg-type]


def test_an_award_built_by_keywords_equals_one_built_by_position_and_hashes_alike():
    share = LineShare(line_id="1", points=Decimal("1.50"))
    by_position = Award(
        "r-1", 2, "Dairy", 0, Decimal("1.50"), (share,), "1.5 points per 1.00 on dairy: 1.50 → 1 × 1.5 = 1.50"
    )
    assert by_position == _award()
    assert hash(by_position) == hash(_award())
    assert by_position != _award(points=Decimal("2"))
    assert share == LineShare("1", Decimal("1.5")) and hash(share) == hash(LineShare("1", Decimal("1.5")))


def test_awards_and_line_shares_cannot_be_changed():
    award = _award()
    with pytest.raises(dataclasses.FrozenInstanceError):
        award.points = Decimal(100)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        award.lines[0].points = Decimal(100)  # type: ignore[misc]
    assert award.points == Decimal("1.50")


def test_an_award_reads_and_copies_like_any_dataclass():
    award = _award()
    assert repr(award.lines[0]) == "LineShare(line_id='1', points=Decimal('1.50'))"
    assert repr(award).startswith("Award(rule_id='r-1', revision=2, rule_name='Dairy', action_index=0, ")
    assert dataclasses.replace(award, revision=3) == _award(revision=3)
    assert dataclasses.astuple(award.lines[0]) == ("1", Decimal("1.50"))
    with pytest.raises(TypeError):
        LineShare("1")  # type: ignore[call-arg]
