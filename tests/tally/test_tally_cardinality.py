"""Equal Shares with cardinality utilities against pabutools' Cardinality_Sat."""

from __future__ import annotations

import random

import pytest

from grants.tally import RULES, Election, Project, count, read_pb
from tests.tally.oracle_memory import remembered
from tests.tally.tally_shared import pabulib_params

pytest.importorskip("pabutools")
from pabutools.election import ApprovalBallot, ApprovalProfile, Cardinality_Sat, Instance, parse_pabulib  # noqa: E402
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.rules import method_of_equal_shares  # noqa: E402


def test_it_is_offered_by_name():
    assert "equalshares/cardinality" in RULES


@pytest.mark.parametrize(
    "path", pabulib_params(lambda e: e.vote_type in ("approval", "choose-1") and e.n_voters <= 7000)
)
def test_selects_what_pabutools_selects_on_shared_files(path):
    theirs = remembered(
        lambda: {p.name for p in method_of_equal_shares(*parse_pabulib(str(path)), sat_class=Cardinality_Sat)}
    )
    assert set(count(read_pb(path, voters=False), "equalshares/cardinality").selected) == theirs


@pytest.mark.parametrize("seed", range(80))
def test_selects_what_pabutools_selects_on_random_elections(seed):
    rng = random.Random(seed)
    m = rng.randint(2, 7)
    # Distinct costs and supports make ties rare; a tie-break difference is skipped below.
    projects = [Project(str(i), rng.randint(10, 400)) for i in range(m)]
    ballots = [dict.fromkeys([p.id for p in projects if rng.random() < 0.45] or ["0"], 1)
               for _ in range(rng.randint(3, 15))]
    election = Election(projects=projects, budget=rng.randint(200, 900), vote_type="approval", ballots=ballots)
    by_id = {p.id: PabuProject(p.id, p.cost) for p in projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in ballots])
    outcome = method_of_equal_shares(instance, profile, sat_class=Cardinality_Sat, resoluteness=False)
    ours = set(count(election, "equalshares/cardinality").selected)
    assert ours in [{p.name for p in o} for o in outcome]


def _tie_on_price_per_point() -> Election:
    """Share 50 each. C (cost 40, one supporter) goes first; then A (200, four supporters) and
    B (100, two of the same four) both cost 50 a point: a tie for cardinality utilities, though
    A is worth 4 full payers and B only 2. Whichever is bought, the other's supporters are out."""
    return Election(
        projects=[Project("a", 200), Project("b", 100), Project("c", 40)],
        budget=250,
        vote_type="approval",
        ballots=[{"a": 1, "b": 1}, {"a": 1, "b": 1}, {"a": 1}, {"a": 1}, {"c": 1}],
    )


def test_a_tie_in_price_per_point_is_a_tie_and_both_outcomes_are_listed():
    from grants.tally import tied_outcomes

    election = _tie_on_price_per_point()
    result = count(election, "equalshares/cardinality")
    assert result.selected == ["c", "b"]  # the cheaper wins the tie by default
    lost, won = (result.explanations[p].figures["reason"] for p in ("a", "b"))
    assert lost["tied_with"] == ["b"] and lost["tie_won"] is False
    assert won["tied_with"] == ["a"] and won["tie_won"] is True
    found = tied_outcomes(election, "equalshares/cardinality")
    assert {frozenset(o) for o in found.outcomes} == {frozenset("cb"), frozenset("ca")}
    by_id = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in election.ballots])
    theirs = method_of_equal_shares(instance, profile, sat_class=Cardinality_Sat, resoluteness=False)
    assert {frozenset(p.name for p in o) for o in theirs} == {frozenset(o) for o in found.outcomes}


def test_equal_effective_votes_at_different_prices_per_point_are_no_tie():
    # A (200) and B (100) each have the same four supporters: both worth 4 full payers, but B
    # costs 25 a point and A 50, so B wins outright under cardinality utilities.
    election = Election(
        projects=[Project("a", 200), Project("b", 100)],
        budget=200,
        vote_type="approval",
        ballots=[{"a": 1, "b": 1}] * 4,
    )
    result = count(election, "equalshares/cardinality")
    assert result.selected == ["b"]
    assert "tied_with" not in result.explanations["a"].figures["reason"]
