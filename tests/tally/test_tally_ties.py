"""Near ties in Equal Shares are settled exactly for the tied projects only, never by a full exact rerun."""

from __future__ import annotations

import random

import pytest

from grants.tally import Election, Project, count
from grants.tally.counting import _mes_default_ranks
from grants.tally.equalshares import ADD1, add1_runs, add1_share_fast
from grants.tally.mes import EqualShares
from grants.tally.prepare import prepare
from tests.tally.tally_reference import mes_add1, mes_fixed


def _circulant(projects: int, voters: int, gap: int, seed: int) -> Election:
    """Equal costs and the same support pattern for every project: every round is a tie."""
    ids = [f"p{i}" for i in range(projects)]
    ballots = [dict.fromkeys([ids[v % projects], ids[(v + 1 + gap) % projects]], 1) for v in range(voters)]
    random.Random(seed).shuffle(ballots)
    return Election(
        projects=[Project(pid, 1000) for pid in ids],
        budget=1000 * projects // 3,
        vote_type="approval",
        ballots=ballots,
    )


@pytest.mark.parametrize(("projects", "voters", "gap"), [(6, 30, 0), (9, 45, 1), (12, 60, 2), (7, 35, 3)])
def test_tie_heavy_equal_shares_matches_the_exact_reference(projects, voters, gap):
    election = _circulant(projects, voters, gap, seed=projects)
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    costs = {p.id: p.cost for p in election.projects}
    ranks = {pid: prep.rank[i] for i, pid in enumerate(prep.ids)}
    from fractions import Fraction

    share = Fraction(election.budget, len(election.ballots))
    assert count(election, "equalshares").selected == mes_fixed(costs, election.ballots, share, ranks)
    assert count(election, "equalshares/add1").selected == mes_add1(costs, election.ballots, election.budget, ranks)


def test_a_tie_is_settled_without_rerunning_everything_in_fractions(monkeypatch):
    election = _circulant(40, 2000, 0, seed=1)
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    expected, _ = add1_runs(engine, ADD1)

    def no_full_exact_run(*args, **kwargs):
        raise AssertionError("a near tie made the whole run exact")

    monkeypatch.setattr(EqualShares, "run", no_full_exact_run)
    share, _ = add1_share_fast(engine, ADD1)
    assert share == expected.share
