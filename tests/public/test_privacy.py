"""The one small-number rule, and that pages use it."""

from __future__ import annotations

from grants.privacy import MIN_PEOPLE, people_count, people_part, people_text


def test_counts_below_five_are_suppressed():
    assert MIN_PEOPLE == 5
    assert [people_count(n) for n in (None, 0, 1, 4, 5, 12)] == [None, 0, None, None, 5, 12]
    assert people_text(3) == "fewer than 5"
    assert people_text(7) == "7"


def test_a_count_of_nobody_is_published_as_0():
    """0 says nothing of anyone: the one rule publishes it (it read 'fewer than 5' for nobody)."""
    assert people_count(0) == 0
    assert people_text(0) == "0"
    assert people_part(0, 0) == 0


def test_parts_are_suppressed_when_the_part_or_the_rest_is_small():
    assert people_part(3, 20) is None  # a small part
    assert people_part(17, 20) is None  # a small rest: 3 people could be picked out
    assert people_part(8, 20) == 8
    assert people_part(6, 4) is None  # a small whole
    assert people_part(0, 9) == 0  # says something about everyone, not someone
    assert people_part(9, 9) == 9
