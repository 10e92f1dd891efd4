"""Sequential Phragmén: floats with exact settling of near ties, checked against pabutools and a reference."""

from __future__ import annotations

import random

import pytest

from grants.tally import Election, Project, count, read_pb
from tests.tally.tally_reference import phragmen_exact
from tests.tally.tally_shared import load, pabulib_params


def _approval(election) -> bool:
    return election.vote_type in ("approval", "choose-1")


@pytest.mark.parametrize("path", pabulib_params(_approval, slow=lambda p: p.stat().st_size > 1_000_000))
def test_phragmen_selects_what_pabutools_selects_on_the_shared_files(path):
    from pabutools.election import parse_pabulib
    from pabutools.rules import sequential_phragmen

    instance, profile = parse_pabulib(str(path))
    theirs = {p.name for p in sequential_phragmen(instance, profile)}
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
