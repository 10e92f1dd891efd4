"""Equal Shares checked against pabutools (as an oracle) and a slow reference."""

from __future__ import annotations

import warnings

import pytest

from grants.tally import Election, Project, count
from grants.tally.counting import _mes_default_ranks
from grants.tally.equalshares import Add1Options, add1_runs
from grants.tally.mes import EqualShares
from grants.tally.prepare import prepare
from tests.tally.oracle_memory import remembered
from tests.tally.tally_reference import mes_add1, mes_fixed
from tests.tally.tally_shared import load, pabulib_params

pabutools = pytest.importorskip("pabutools")
from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    parse_pabulib,
)
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.rules import method_of_equal_shares  # noqa: E402

# pabutools needs 15-60 s on each of these (measured): still run, but marked slow.
BIG = 20_000


def _approval(election) -> bool:
    return election.vote_type in ("approval", "choose-1")


@pytest.mark.parametrize(
    "path", pabulib_params(_approval, slow=lambda p: len(load(p).ballots) > BIG)
)
def test_equalshares_matches_pabutools_cost_sat(path):
    ours = count(load(path), "equalshares").selected
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pabutools' own deprecation noise is not ours
        theirs = remembered(
            lambda: {p.name for p in method_of_equal_shares(*parse_pabulib(str(path)), sat_class=Cost_Sat)}
        )
    assert set(ours) == theirs


def _pabutools_instance(costs, budget, ballots):
    instance = Instance([PabuProject(pid, cost) for pid, cost in costs.items()],
                        budget_limit=budget)
    by_name = {p.name: p for p in instance}
    profile = ApprovalProfile([ApprovalBallot([by_name[c] for c in b]) for b in ballots])
    return instance, profile


def test_add1_differs_from_pabutools_voter_budget_increment():
    """equalshares.net's Add1 keeps raising shares while the outcome fits; pabutools stops
    at the first exhaustive outcome.

    Three voters, budget 51 (17 each): {3}, {0,2,3}, {0,1,3}. At shares 17..20 MES buys only
    project 2 (cost 10); that is already exhaustive (41 left, nothing else costs <= 41), so
    pabutools stops there. Raising shares further, MES buys project 0 (cost 50) instead,
    which still fits, and the next raise would overspend: equalshares.net returns {0}.
    """
    costs = {"0": 50, "1": 60, "2": 10, "3": 100}
    ballots = [{"3"}, {"0", "2", "3"}, {"0", "1", "3"}]
    election = Election(
        [Project(pid, cost) for pid, cost in costs.items()], 51, "approval",
        [{c: 1 for c in sorted(b)} for b in ballots],
    )
    ours = count(election, "equalshares/add1").selected
    instance, profile = _pabutools_instance(costs, 51, ballots)
    theirs = method_of_equal_shares(instance, profile, sat_class=Cost_Sat,
                                    voter_budget_increment=1)
    assert ours == ["0"]
    assert sorted(p.name for p in theirs) == ["2"]
    # Our engine reproduces pabutools' behaviour when asked for that variant.
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    run, _ = add1_runs(EqualShares(prep), Add1Options(integral=False, exhaustive_stop=True))
    assert [prep.ids[i] for i in run.winners] == ["2"]


@pytest.mark.parametrize("path", pabulib_params(
    lambda e: e.meta.get("unit") == "Wieliczka", slow=lambda p: True))
def test_wieliczka_exhaustive_stop_would_change_the_official_outcome(path):
    """On real data: stopping at the first exhaustive outcome gives a different result."""
    election = load(path)
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    plain_run, _ = add1_runs(engine, Add1Options())
    exh_run, _ = add1_runs(engine, Add1Options(exhaustive_stop=True))
    official_like = {prep.ids[i] for i in plain_run.winners}
    early = {prep.ids[i] for i in exh_run.winners}
    assert official_like != early
    assert official_like ^ early == {"46", "66", "67"}


def _reference_case(election):
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    costs = {p.id: p.cost for p in election.projects}
    ranks = {pid: prep.rank[i] for i, pid in enumerate(prep.ids)}
    return costs, ranks


@pytest.mark.parametrize("path", pabulib_params(lambda e: len(e.ballots) <= 200))
@pytest.mark.parametrize("rule", ["equalshares", "equalshares/add1"])
def test_engine_matches_slow_reference_on_small_files(path, rule):
    election = load(path)
    costs, ranks = _reference_case(election)
    ballots = [dict(b) for b in election.ballots]
    if rule == "equalshares":
        expected = mes_fixed(costs, ballots, __import__("fractions").Fraction(
            election.budget, len(ballots)), ranks)
    else:
        expected = mes_add1(costs, ballots, election.budget, ranks)
    assert count(election, rule).selected == expected


np = pytest.importorskip("numpy")


@pytest.mark.parametrize("path", pabulib_params(lambda e: 1000 < len(e.ballots) <= 7000,
                                                slow=lambda p: True))
@pytest.mark.parametrize("exhaustive_stop", [False, True])
def test_fast_add1_equals_straightforward_loop(path, exhaustive_stop):
    """The float engine with certified skips ends on the same share as the exact loop."""
    from grants.tally.equalshares import add1_share_fast

    election = load(path)
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    options = Add1Options(exhaustive_stop=exhaustive_stop)
    slow_run, slow_steps = add1_runs(engine, options)
    share, _ = add1_share_fast(engine, options)
    assert share == slow_run.share
    if not exhaustive_stop:  # the rule's own variant
        expected = [prep.ids[i] for i in slow_run.winners]
        assert count(election, "equalshares/add1").selected == expected


@pytest.mark.parametrize("path", pabulib_params(lambda e: _approval(e) and 1000 < len(e.ballots) <= 7000))
def test_price_guesses_and_floors_never_change_a_price(path):
    """The float engine may start a price's search from any guess (Add1 passes the price of
    the run at the previous share): the price found is the same float as without one, and a
    floor it reports instead of a price is never above the price."""
    from grants.tally.equalshares import add1_share_fast
    from grants.tally.fastmes import FloatEqualShares, NeedExact

    prep = prepare(load(path), None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    fast = FloatEqualShares(engine)
    share = float(add1_share_fast(engine, fast=fast)[0])  # where Add1 ends: projects win
    run = fast.run(share)
    budgets = np.full(len(fast.weights), share)
    left = set(engine.candidates)
    checked = 0
    for k in run.winners[len(engine.free):]:
        for c in sorted(left):
            try:
                plain = fast._price(c, budgets)
            except NeedExact:
                continue
            if plain is None:
                continue
            pi = plain[0]
            for guess in (1e-9, pi * 0.5, pi * 0.999, pi, pi * 1.001, pi * 2, share, 1e12):
                assert fast._price(c, budgets, guess=guess) == plain
                floor, money = fast._price(c, budgets, guess=guess, beat=-1.0)
                if money is None:
                    assert floor <= pi * (1 + 1e-12)
                checked += 1
        fast._pay(k, fast._price(k, budgets)[0], budgets)
        left.discard(k)
    assert checked


@pytest.mark.parametrize("path", pabulib_params(lambda e: _approval(e) and 1000 < len(e.ballots) <= 7000))
def test_runs_at_consecutive_shares_equal_fresh_runs(path):
    """Each run hands its prices to the next as guesses and leaves out projects nobody can
    afford: the runs Add1 makes one after another equal runs made from scratch."""
    from grants.tally.equalshares import add1_share_fast
    from grants.tally.fastmes import FloatEqualShares

    prep = prepare(load(path), None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    reused = FloatEqualShares(engine)
    end = int(add1_share_fast(engine)[0])
    for share in range(end - 10, end + 2):
        again = reused.run(share)
        fresh = FloatEqualShares(engine).run(share)
        assert (again.winners, again.rhos, again.pis) == (fresh.winners, fresh.rhos, fresh.pis)
        assert again.winners == engine.run(share).winners


def test_points_below_one_do_not_hide_an_affordable_project():
    """A float run leaves out projects whose supporters can never afford them: the bound is
    their number times the share, not their points (here half a point each) times it."""
    from fractions import Fraction

    from grants.tally.fastmes import FloatEqualShares

    projects = [Project("big", 90), Project("small", 10)]
    election = Election(projects=projects, budget=100, vote_type="cumulative",
                        ballots=[{"big": Fraction(1, 2), "small": 1}] * 10)
    prep = prepare(election, None)
    _mes_default_ranks(prep)
    engine = EqualShares(prep)
    fast = FloatEqualShares(engine)
    for share in range(8, 20):
        assert fast.run(share).winners == engine.run(share).winners
    exact_run, _ = add1_runs(engine)
    assert count(election, "equalshares/add1").details["share_per_voter"] == exact_run.share == 10
