"""The engine reproduces every official outcome recorded in the shared Pabulib files.

For every shared file with a ``selected`` column, counting with the rule named in its META
(what ``python -m grants.tally FILE`` does without ``--rule``) gives exactly the official
set: the greedy family, Equal Shares with Add1 (Assen 2024, Swiecie 2023) and Add1 with the
comparison step (Wieliczka 2023).
"""

from __future__ import annotations

import pytest

from grants.tally import RULES, count
from tests.tally.tally_shared import has_selected, load, official, pabulib_params


@pytest.mark.parametrize("path", pabulib_params(has_selected))
def test_meta_rule_reproduces_selected(path):
    election = load(path)
    assert election.rule in RULES, f"{path.name} names rule {election.rule!r}"
    result = count(election, election.rule)
    assert set(result.selected) == official(election)
    assert result.spent <= election.budget
    assert result.spent == sum(p.cost for p in election.projects if p.id in result.selected)
