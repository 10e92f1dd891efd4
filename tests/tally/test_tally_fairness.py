"""Satisfaction figures returned with every result, cross-checked against pabutools' analysis."""

from __future__ import annotations

import pytest

from grants.tally import Election, Project, count, read_pb
from tests.tally.oracle_memory import remembered
from tests.tally.tally_shared import pabulib_params

pytest.importorskip("pabutools")
from pabutools.analysis import (  # noqa: E402
    avg_satisfaction,
    gini_coefficient_of_satisfaction,
    percent_non_empty_handed,
)
from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib  # noqa: E402


def _approval(election) -> bool:
    return election.vote_type in ("approval", "choose-1") and election.n_voters <= 7000


@pytest.mark.parametrize("rule", ["greedy", "equalshares"])
@pytest.mark.parametrize("path", pabulib_params(_approval))
def test_satisfaction_figures_match_pabutools(path, rule):
    result = count(read_pb(path, voters=False), rule)
    ours = result.details["satisfaction"]
    selected = tuple(result.selected)
    theirs = remembered(lambda: _their_figures(path, selected))
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(float(value), rel=1e-9, abs=1e-12), name


def _their_figures(path, selected: tuple[str, ...]) -> dict[str, float]:
    """pabutools' analysis of `selected` on the file at `path`."""
    instance, profile = parse_pabulib(str(path))
    chosen = [p for p in instance if p.name in set(selected)]
    return {
        "share_with_a_funded_project": float(percent_non_empty_handed(instance, profile, chosen)),
        "average_funded_backed": float(avg_satisfaction(instance, profile, chosen, Cardinality_Sat)),
        "average_cost_satisfaction": float(avg_satisfaction(instance, profile, chosen, Cost_Sat)),
        "gini_cost_satisfaction": float(gini_coefficient_of_satisfaction(instance, profile, chosen, Cost_Sat)),
    }


def test_the_figures_on_a_small_election_by_hand():
    election = Election([Project("a", 60), Project("b", 40)], 100, "approval",
                        [{"a": 1}, {"a": 1, "b": 1}, {"b": 1}, {}])
    figures = count(election, "greedy").details["satisfaction"]
    assert figures["share_with_a_funded_project"] == 0.75
    assert figures["average_funded_backed"] == 1.0
    assert figures["average_cost_satisfaction"] == 50.0
    # satisfactions 0, 40, 60, 100: Gini = (n + 1 - 2 * sum(v_i (n - i)) / sum v) / n
    assert figures["gini_cost_satisfaction"] == pytest.approx((5 - 2 * (40 * 3 + 60 * 2 + 100) / 200) / 4)
