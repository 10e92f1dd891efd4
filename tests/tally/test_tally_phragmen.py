"""Sequential Phragmén: floats with exact settling of near ties, checked against pabutools and a reference."""

from __future__ import annotations

import random

import pytest

from grants.tally import Election, Project, count, read_pb
from tests.tally.oracle_memory import remembered
from tests.tally.tally_reference import phragmen_exact
from tests.tally.tally_shared import load, pabulib_params


def _approval(election) -> bool:
    return election.vote_type in ("approval", "choose-1")


@pytest.mark.parametrize("path", pabulib_params(_approval, slow=lambda p: p.stat().st_size > 1_000_000))
def test_phragmen_selects_what_pabutools_selects_on_the_shared_files(path):
    from pabutools.election import parse_pabulib
    from pabutools.rules import sequential_phragmen

    theirs = remembered(lambda: {p.name for p in sequential_phragmen(*parse_pabulib(str(path)))})
    assert set(count(read_pb(path, voters=False), "phragmen").selected) == theirs
    assert count(load(path), "phragmen").selected == count(read_pb(path, voters=False), "phragmen").selected


def _tie_heavy(seed: int) -> Election:
    """Equal costs and mirrored ballots: many exact ties between new max loads."""
    rnd = random.Random(seed)
    n = rnd.randint(4, 9)
    ids = [f"p{i}" for i in range(n)]
    cost = rnd.choice([10, 30, 70])
    projects = [Project(pid, cost if rnd.random() < 0.8 else cost * 2) for pid in ids]
    ballots = []
    for _ in range(rnd.randint(3, 12)):
        chosen = rnd.sample(ids, rnd.randint(1, min(3, n)))
        ballots.append(dict.fromkeys(chosen, 1))
        mirror = [ids[(ids.index(p) + 1) % n] for p in chosen]
        ballots.append(dict.fromkeys(mirror, 1))
    return Election(projects=projects, budget=cost * rnd.randint(2, 5), vote_type="approval", ballots=ballots)


@pytest.mark.parametrize("seed", range(60))
def test_phragmen_equals_the_exact_reference_on_tie_heavy_elections(seed):
    election = _tie_heavy(seed)
    rank = {p.id: i for i, p in enumerate(election.projects)}
    order = [p.id for p in election.projects]
    expected = phragmen_exact({p.id: p.cost for p in election.projects}, election.ballots, election.budget, rank)
    assert count(election, "phragmen", tie_break=order).selected == expected


def test_a_near_tie_closer_than_floats_can_tell_is_settled_exactly():
    # Loads differ by 1e-17 of a unit: floats see a tie, fractions do not.
    big = 10**17
    projects = [Project("a", big + 1), Project("b", big), Project("c", 1)]
    ballots = [{"a": 1}, {"b": 1}, {"c": 1}]
    election = Election(projects=projects, budget=2 * big + 2, vote_type="approval", ballots=ballots)
    assert count(election, "phragmen", tie_break=["a", "b", "c"]).selected == ["c", "b", "a"]


def _phragmen_tie() -> Election:
    """A (60, three supporters) and C (40, two) both need 20 from each supporter in round 1."""
    return Election(
        projects=[Project("a", 60, "Allotment"), Project("b", 50, "Bus"), Project("c", 40, "Cafe"),
                  Project("d", 10, "Nobody's")],
        budget=80,
        vote_type="approval",
        ballots=[{"a": 1}, {"a": 1}, {"a": 1, "c": 1}, {"b": 1}, {"c": 1}],
    )


def test_every_phragmen_outcome_has_a_structured_reason_in_words():
    from grants.tally.text import describe

    result = count(_phragmen_tie(), "phragmen")
    assert result.selected == ["c"]  # the cheaper wins the tie by default
    reasons = {pid: why.figures["reason"] for pid, why in result.explanations.items()}
    assert {pid: r["kind"] for pid, r in reasons.items()} == {
        "a": "phragmen_no_room", "b": "phragmen_stopped", "c": "phragmen_funded", "d": "no_support"}
    assert reasons["c"]["round"] == 1 and reasons["c"]["max_load"] == 20 and reasons["c"]["remaining_after"] == 40
    assert reasons["a"]["remaining_before"] == 40 and reasons["a"]["funded_before"] == 1
    assert reasons["b"]["stopped_by"] == "a"
    # A and C tied at 20 a supporter; C won it, and A, next in line, no longer fitted.
    assert reasons["a"]["tied_with"] == ["c"] and reasons["a"]["tie_won"] is False
    assert reasons["c"]["tied_with"] == ["a"] and reasons["c"]["tie_won"] is True
    assert "tied_with" not in reasons["b"]
    names = {"a": "“Allotment”", "b": "“Bus”", "c": "“Cafe”"}.get
    assert describe(reasons["c"], names=names) == (
        "2 of 5 who could vote on it backed it. It was funded in round 1: once each of its supporters had "
        "earned 20, together they could pay its 40 cost. It tied with “Allotment”; the tie was settled by "
        "the published tie-break order, in its favour."
    )
    assert describe(reasons["a"], names=names) == (
        "3 of 5 who could vote on it backed it. It was next in line, but after one proposal was funded 40 "
        "was left, less than its 60 cost, so counting stopped here. It tied with “Cafe”; the tie was "
        "settled by the published tie-break order, and not in its favour."
    )
    assert describe(reasons["b"], names=names) == (
        "1 of 5 who could vote on it backed it. Counting stopped at “Allotment”, the next in line, which did "
        "not fit in the 40 left, before its supporters had earned enough to pay for it."
    )


def test_phragmen_ties_give_the_tied_outcomes_pabutools_gives():
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance
    from pabutools.election import Project as PabuProject
    from pabutools.rules import sequential_phragmen

    from grants.tally import tied_outcomes

    election = _phragmen_tie()
    found = tied_outcomes(election, "phragmen")
    assert found.groups == [["a", "c"]]
    by_id = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in election.ballots])
    theirs = {frozenset(p.name for p in o) for o in sequential_phragmen(instance, profile, resoluteness=False)}
    assert {frozenset(o) for o in found.outcomes} == theirs == {frozenset("a"), frozenset("c")}


def test_phragmen_completion_says_it_funded_after_equal_shares():
    from grants.tally.text import describe

    result = count(_phragmen_tie(), "equalshares+phragmen")
    for pid in result.details["completed_by_phragmen"]:
        reason = result.explanations[pid].figures["reason"]
        assert reason["kind"] == "phragmen_funded" and reason["completion"] == "phragmen"
        assert "sequential Phragmén funded it afterwards" in describe(reason)
    assert all("reason" in why.figures for why in result.explanations.values())
