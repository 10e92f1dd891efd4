"""Listing every outcome a tie-break could give, against pabutools' irresolute greedy."""

from __future__ import annotations

import random
import subprocess  # nosec B404 - our own command-line tool
import sys

import pytest

from grants.tally import Election, Project, count, tied_outcomes, write_pb

pytest.importorskip("pabutools")
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance  # noqa: E402
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare  # noqa: E402


def three_way_tie() -> Election:
    return Election(
        projects=[Project("a", 40), Project("b", 40), Project("c", 40), Project("d", 10)],
        budget=100,
        vote_type="approval",
        ballots=[{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1, "c": 1}, {"d": 1}],
    )


def test_a_three_way_tie_for_two_places_lists_three_outcomes():
    found = tied_outcomes(three_way_tie(), "greedy")
    assert found.complete and found.groups == [["a", "b", "c"]]
    assert sorted(sorted(o) for o in found.outcomes) == [["a", "b", "d"], ["a", "c", "d"], ["b", "c", "d"]]


def test_the_cli_prints_every_tied_outcome(tmp_path):
    path = tmp_path / "tie.pb"
    path.write_text(write_pb(three_way_tie()))
    out = subprocess.run(  # nosec B603 - a fixed argument list
        [sys.executable, "-m", "grants.tally", str(path), "--rule", "greedy", "--all-ties"],
        capture_output=True, text=True, check=True,
    )
    assert sorted(sorted(line.split(",")) for line in out.stdout.split()) == [
        ["a", "b", "d"], ["a", "c", "d"], ["b", "c", "d"]]


@pytest.mark.parametrize("seed", range(60))
def test_greedy_ties_match_pabutools_irresolute_greedy(seed):
    rng = random.Random(seed)
    m = rng.randint(2, 6)
    projects = [Project(str(i), rng.choice([2, 3, 5])) for i in range(m)]
    ballots = [dict.fromkeys([p.id for p in projects if rng.random() < 0.5] or ["0"], 1)
               for _ in range(rng.randint(1, 5))]
    election = Election(projects=projects, budget=rng.randint(4, 12), vote_type="approval", ballots=ballots)
    by_id = {p.id: PabuProject(p.id, p.cost) for p in projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in ballots])
    # pabutools also spends what is left on projects nobody backed (they come last); we never fund those.
    backed = {pid for b in ballots for pid in b}
    theirs = {frozenset(p.name for p in o if p.name in backed)
              for o in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, resoluteness=False)}
    found = tied_outcomes(election, "greedy")
    assert found.complete
    assert {frozenset(o) for o in found.outcomes} == theirs


def test_greedy_per_cost_ties_are_equal_support_per_unit_of_cost():
    # a: 2 votes for 40 and b: 1 vote for 20 tie at one vote per 20; c has 2 votes like a but
    # at 60 it comes after them, so it is no tie with a.
    election = Election(
        projects=[Project("a", 40), Project("b", 20), Project("c", 60)],
        budget=60,
        vote_type="approval",
        ballots=[{"a": 1, "c": 1}, {"a": 1, "c": 1}, {"b": 1}],
    )
    result = count(election, "greedy-per-cost", tie_break=["b", "a", "c"])
    assert result.selected == ["b", "a"]
    reasons = {pid: why.figures["reason"] for pid, why in result.explanations.items()}
    assert "tied_with" not in reasons["a"] and "tied_with" not in reasons["c"]
    result = count(election, "greedy-per-cost", tie_break=["c", "a", "b"])
    assert result.selected == ["a", "b"]
    found = tied_outcomes(election, "greedy-per-cost")
    assert found.groups == [["a", "b"]]


@pytest.mark.parametrize("seed", range(40))
def test_greedy_per_cost_ties_match_pabutools_irresolute_cardinality_greedy(seed):
    from pabutools.election import Cardinality_Sat

    rng = random.Random(seed)
    m = rng.randint(2, 6)
    projects = [Project(str(i), rng.choice([2, 4, 6])) for i in range(m)]
    ballots = [dict.fromkeys([p.id for p in projects if rng.random() < 0.5] or ["0"], 1)
               for _ in range(rng.randint(1, 6))]
    election = Election(projects=projects, budget=rng.randint(4, 12), vote_type="approval", ballots=ballots)
    by_id = {p.id: PabuProject(p.id, p.cost) for p in projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in ballots])
    backed = {pid for b in ballots for pid in b}
    theirs = {frozenset(p.name for p in o if p.name in backed)
              for o in greedy_utilitarian_welfare(instance, profile, sat_class=Cardinality_Sat, resoluteness=False)}
    found = tied_outcomes(election, "greedy-per-cost")
    assert found.complete
    assert {frozenset(o) for o in found.outcomes} == theirs
