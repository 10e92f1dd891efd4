"""Proportionality checks (EJR up to one project, PJR, PJR up to one) agree with pabutools."""

from __future__ import annotations

import random

import pytest

from grants.tally import Election, Project, count
from grants.tally.fairness import proportionality
from grants.tally.prepare import prepare
from tests.tally.tally_shared import load, pabulib_params

pytest.importorskip("pabutools")
from pabutools.analysis.justifiedrepresentation import (  # noqa: E402
    is_EJR_one_approval,
    is_PJR_approval,
    is_PJR_one_approval,
)
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance  # noqa: E402
from pabutools.election import Project as PabuProject  # noqa: E402


def random_election(rng: random.Random) -> Election:
    m = rng.randint(2, 5)
    projects = [Project(str(i), rng.choice([1, 2, 3, 4, 6])) for i in range(m)]
    ballots = []
    for _ in range(rng.randint(2, 6)):
        picks = [p.id for p in projects if rng.random() < 0.5] or [projects[0].id]
        ballots.append(dict.fromkeys(picks, 1))
    return Election(projects=projects, budget=rng.randint(3, 10), vote_type="approval", ballots=ballots)


def theirs(election: Election, selected: list[str]) -> dict[str, bool]:
    by_id = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in election.ballots])
    chosen = [by_id[pid] for pid in selected]
    return {
        "ejr_up_to_one": is_EJR_one_approval(instance, profile, Cost_Sat, chosen),
        "pjr": is_PJR_approval(instance, profile, Cost_Sat, chosen),
        "pjr_up_to_one": is_PJR_one_approval(instance, profile, Cost_Sat, chosen),
    }


@pytest.mark.parametrize("seed", range(120))
def test_checks_agree_with_pabutools_on_small_random_elections(seed):
    rng = random.Random(seed)
    election = random_election(rng)
    ids = election.project_ids
    # Any outcome that fits, not only a rule's: the checks must be right on bad outcomes too.
    selected = [pid for pid in ids if rng.random() < 0.4]
    prep = prepare(election, None)
    ours = proportionality(prep, [prep.index[pid] for pid in selected])
    assert ours["checked"] and ours["exact"]
    assert {k: ours[k] for k in ("ejr_up_to_one", "pjr", "pjr_up_to_one")} == theirs(election, selected)


def test_every_count_carries_the_checks_and_equal_shares_passes_ejr_up_to_one():
    rng = random.Random(7)
    for _ in range(30):
        election = random_election(rng)
        result = count(election, "equalshares")
        checks = result.details["proportionality"]
        assert checks["checked"] and checks["ejr_up_to_one"] and checks["pjr_up_to_one"]


def test_a_violation_names_the_group():
    # Two voters back "b" alone: they are half the voters, and b costs half the budget, yet nothing of theirs is funded.
    election = Election(
        projects=[Project("a", 5), Project("b", 5)],
        budget=10,
        vote_type="approval",
        ballots=[{"a": 1}, {"a": 1}, {"b": 1}, {"b": 1}],
    )
    prep = prepare(election, None)
    ours = proportionality(prep, [prep.index["a"]])
    assert ours["pjr"] is False and ours["pjr_group"] == {"projects": ["b"], "voters": 2}
    assert ours["ejr_up_to_one"] is True  # up to one project: adding b would satisfy them


@pytest.mark.parametrize("path", pabulib_params(lambda e: e.vote_type == "approval"))
def test_shared_files_are_checked_exactly_or_say_they_are_too_large(path):
    result = count(load(path), "greedy")
    checks = result.details["proportionality"]
    assert checks["checked"] is False and checks["why"] == "too large to check exactly" or checks["exact"]


def test_other_ballots_say_the_check_is_for_approval_only():
    election = Election(projects=[Project("a", 5)], budget=10, vote_type="cumulative", ballots=[{"a": 3}])
    assert count(election, "greedy").details["proportionality"] == {"checked": False, "why": "approval ballots only"}
