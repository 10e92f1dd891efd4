"""Property tests: budgets respected, ballot order irrelevant, greedy monotone, fair lottery,
and the engine equal to the slow reference on random small elections."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.tally import RULES, Election, Project, count, lottery_order
from grants.tally.counting import _mes_default_ranks
from grants.tally.prepare import greedy_default_ranks, prepare
from tests.tally.tally_reference import greedy, mes_add1, mes_fixed

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
VOTE_TYPES = ["approval", "choose-1", "cumulative", "ordinal", "scoring"]


@st.composite
def elections(draw, vote_types=VOTE_TYPES, max_ballots=10):
    vote_type = draw(st.sampled_from(vote_types))
    n = draw(st.integers(1, 6))
    ids = [f"p{i}" for i in range(n)]
    costs = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    budget = draw(st.integers(0, 300))
    ballots = []
    for _ in range(draw(st.integers(0, max_ballots))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n))
        if vote_type == "choose-1":
            chosen = chosen[:1]
        if vote_type in ("approval", "choose-1"):
            ballots.append({pid: 1 for pid in chosen})
        elif vote_type == "ordinal":
            ballots.append({pid: n - pos for pos, pid in enumerate(chosen)})
        else:
            low = -3 if vote_type == "scoring" else 1
            ballots.append({pid: draw(st.integers(low, 5)) for pid in chosen})
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    return Election(projects, budget, vote_type, ballots)


@SETTINGS
@given(elections(), st.sampled_from(RULES))
def test_every_outcome_fits_the_budget(election, rule):
    result = count(election, rule)
    cost = {p.id: p.cost for p in election.projects}
    assert sum(cost[pid] for pid in result.selected) == result.spent <= election.budget
    assert len(set(result.selected)) == len(result.selected)
    assert set(result.explanations) == set(election.project_ids)


@SETTINGS
@given(elections(), st.sampled_from(RULES), st.randoms(use_true_random=False))
def test_ballot_order_never_matters(election, rule, rnd):
    before = count(election, rule)
    shuffled = list(election.ballots)
    rnd.shuffle(shuffled)
    after = count(Election(election.projects, election.budget, election.vote_type, shuffled),
                  rule)
    assert after.selected == before.selected


@SETTINGS
@given(elections(vote_types=["approval"]), st.data())
def test_more_support_never_unfunds_under_greedy(election, data):
    result = count(election, "greedy")
    if not result.selected:
        return
    winner = data.draw(st.sampled_from(result.selected))
    ballots = [dict(b) for b in election.ballots]
    lacking = [b for b in ballots if winner not in b]
    if lacking and data.draw(st.booleans()):
        data.draw(st.sampled_from(lacking))[winner] = 1
    else:
        ballots.append({winner: 1})
    more = Election(election.projects, election.budget, "approval", ballots)
    # It now ranks no lower, so only a prefix of the projects ahead of it before are still
    # ahead; greedy spends no more on a shorter prefix, so it still fits when its turn comes.
    assert winner in count(more, "greedy").selected
    assert winner in count(more, "greedy", tie_break=election.project_ids[::-1]).selected or \
        winner not in count(election, "greedy", tie_break=election.project_ids[::-1]).selected


@given(st.lists(st.text(min_size=1, max_size=8), max_size=20), st.text(max_size=12))
def test_lottery_is_a_repeatable_permutation(ids, seed):
    order = lottery_order(ids, seed)
    assert order == lottery_order(list(reversed(ids)), seed)
    assert sorted(order) == sorted(set(ids))


def test_lottery_follows_the_published_recipe():
    import hashlib

    ids = ["a", "b", "c", "d"]
    expected = sorted(ids, key=lambda i: hashlib.sha256(f"s:{i}".encode()).hexdigest())
    assert lottery_order(ids, "s") == expected


def _reference_inputs(election, mes: bool):
    prep = prepare(election, None)
    (_mes_default_ranks if mes else greedy_default_ranks)(prep)
    costs = {p.id: p.cost for p in election.projects}
    ranks = {pid: prep.rank[i] for i, pid in enumerate(prep.ids)}
    return costs, ranks


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(vote_types=["approval", "cumulative", "scoring"], max_ballots=8))
def test_engine_equals_slow_reference(election):
    ballots = [{k: v for k, v in b.items() if v > 0} for b in election.ballots]
    costs, ranks = _reference_inputs(election, mes=True)
    if ballots and all(ballots):
        positive = Election(election.projects, election.budget, election.vote_type, ballots)
        share = Fraction(election.budget, len(ballots))
        assert count(positive, "equalshares").selected == mes_fixed(costs, ballots, share, ranks)
        assert count(positive, "equalshares/add1").selected == mes_add1(
            costs, ballots, election.budget, ranks)
    costs, ranks = _reference_inputs(election, mes=False)
    support = {p.id: 0 for p in election.projects}
    for b in election.ballots:
        for k, v in b.items():
            support[k] += v
    assert count(election, "greedy").selected == greedy(costs, support, election.budget, ranks)
    assert count(election, "greedy-no-skip").selected == greedy(
        costs, support, election.budget, ranks, skip=False)
    assert count(election, "greedy-threshold", min_support=3).selected == greedy(
        costs, support, election.budget, ranks, threshold=3)
