"""The engine reproduces every official outcome recorded in the shared Pabulib files."""

from __future__ import annotations

import pytest
from conftest import has_selected, load, official, pabulib_params

from grants.tally import count

IMPLEMENTED = ("greedy", "greedy-no-skip", "greedy-threshold")


@pytest.mark.parametrize(
    "path", pabulib_params(lambda e: has_selected(e) and e.rule in IMPLEMENTED)
)
def test_meta_rule_reproduces_selected(path):
    election = load(path)
    result = count(election, election.rule)
    assert set(result.selected) == official(election)
    assert result.spent <= election.budget
