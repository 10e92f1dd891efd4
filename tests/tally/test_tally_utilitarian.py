"""The exact utilitarian optimum (knapsack by dynamic programming) against brute force."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from grants.tally import RULES, Election, Project, count
from grants.tally.utilitarian import TooLargeForExact
from tests.tally.tally_shared import load, pabulib_params


def brute_force_best(election: Election) -> Fraction:
    support = {p.id: Fraction(0) for p in election.projects}
    for ballot in election.ballots:
        for pid, pts in ballot.items():
            support[pid] += Fraction(pts)
    best = Fraction(0)
    for r in range(len(election.projects) + 1):
        for chosen in itertools.combinations(election.projects, r):
            if sum(p.cost for p in chosen) <= election.budget:
                best = max(best, sum((support[p.id] for p in chosen if support[p.id] > 0), Fraction(0)))
    return best


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_the_optimum_matches_brute_force(seed, vote_type):
    rng = random.Random(seed)
    m = rng.randint(1, 8)
    projects = [Project(str(i), rng.choice([150, 200, 350, 500, 700, 1_000])) for i in range(m)]
    ballots = []
    for _ in range(rng.randint(1, 9)):
        picks = [p.id for p in projects if rng.random() < 0.4]
        ballots.append({pid: (1 if vote_type == "approval" else rng.randint(1, 5)) for pid in picks})
    election = Election(projects=projects, budget=rng.randint(300, 2_500), vote_type=vote_type, ballots=ballots)
    result = count(election, "utilitarian")
    assert result.spent <= election.budget
    assert result.details["total_support"] == brute_force_best(election)
    assert all(result.explanations[pid].funded for pid in result.selected)


def test_it_is_offered_by_name_and_the_cli():
    import subprocess  # nosec B404 - our own module
    import sys

    assert "utilitarian" in RULES
    out = subprocess.run(  # nosec B603 - a fixed argument list
        [sys.executable, "-m", "grants.tally", "--help"], capture_output=True, text=True, check=True
    )
    assert "utilitarian" in out.stdout


@pytest.mark.parametrize("path", pabulib_params(lambda e: e.vote_type == "approval" and len(e.projects) <= 40))
def test_shared_files_are_counted_exactly_or_refused_with_the_reason(path):
    election = load(path)
    try:
        result = count(election, "utilitarian")
    except TooLargeForExact as refused:
        assert "too large to count exactly" in str(refused)
        return
    greedy = count(election, "greedy")
    # The optimum is never below greedy's total support.
    assert result.details["total_support"] >= sum(greedy.support[pid] for pid in greedy.selected)
    assert result.spent <= election.budget
