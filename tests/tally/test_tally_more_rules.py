"""The rules added for issue 18, each through RULES and the CLI, cross-checked against pabutools."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grants.tally import RULES, count, read_pb
from grants.tally.equalshares import compare_satisfaction
from grants.tally.prepare import prepare
from tests.tally.oracle_memory import remembered
from tests.tally.tally_shared import pabulib_params

pytest.importorskip("pabutools")
from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

ROOT = Path(__file__).resolve().parents[2]
NEW = ("equalshares-comparison", "equalshares/add1-pabutools", "greedy-per-cost", "equalshares+greedy")


def _small_approval(election) -> bool:
    return election.vote_type in ("approval", "choose-1") and election.n_voters <= 7000


def test_the_new_rules_are_offered():
    assert set(NEW) <= set(RULES)


@pytest.mark.parametrize("path", pabulib_params(_small_approval))
def test_greedy_per_cost_selects_what_pabutools_cardinality_greedy_selects(path):
    theirs = remembered(
        lambda: {p.name for p in greedy_utilitarian_welfare(*parse_pabulib(str(path)), sat_class=Cardinality_Sat)}
    )
    assert set(count(read_pb(path, voters=False), "greedy-per-cost").selected) == theirs


@pytest.mark.parametrize("path", pabulib_params(_small_approval))
def test_add1_pabutools_selects_what_pabutools_voter_budget_increment_selects(path):
    theirs = remembered(lambda: {p.name for p in method_of_equal_shares(*parse_pabulib(str(path)), sat_class=Cost_Sat,
                                                                          voter_budget_increment=1)})
    assert set(count(read_pb(path, voters=False), "equalshares/add1-pabutools").selected) == theirs


@pytest.mark.parametrize("path", pabulib_params(_small_approval))
def test_equal_shares_completed_by_greedy_matches_pabutools_completion(path):
    theirs = remembered(lambda: {p.name for p in completion_by_rule_combination(
        *parse_pabulib(str(path)), [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat}, {"sat_class": Cost_Sat}],
    )})
    result = count(read_pb(path, voters=False), "equalshares+greedy")
    assert set(result.selected) == theirs
    assert result.spent <= result.budget


@pytest.mark.parametrize("path", pabulib_params(_small_approval))
def test_equalshares_comparison_keeps_the_outcome_more_voters_prefer(path):
    election = read_pb(path, voters=False)
    mes = count(election, "equalshares").selected
    greedy = count(election, "greedy").selected
    prep = prepare(election, None)
    prefers_mes, prefers_greedy = compare_satisfaction(prep, [prep.index[p] for p in mes], greedy)
    expected = greedy if prefers_greedy > prefers_mes else mes
    assert count(election, "equalshares-comparison").selected == expected


def test_the_cli_counts_a_file_whose_meta_rule_is_equalshares_comparison(tmp_path):
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\nrule;equalshares-comparison\n"
        "PROJECTS\nproject_id;cost\na;60\nb;50\nc;30\nVOTES\nvoter_id;vote\n1;a,b\n2;a\n3;b,c\n4;c\n"
    )
    path = tmp_path / "c.pb"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "grants.tally", str(path), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rule"] == "equalshares-comparison" and out["details"]["comparison"] in ("greedy", "equalshares")


@pytest.mark.parametrize("path", pabulib_params(_small_approval))
def test_equal_shares_completed_by_phragmen_matches_pabutools_completion(path):
    from pabutools.rules import sequential_phragmen

    theirs = remembered(lambda: {p.name for p in completion_by_rule_combination(
        *parse_pabulib(str(path)), [method_of_equal_shares, sequential_phragmen], [{"sat_class": Cost_Sat}, {}]
    )})
    result = count(read_pb(path, voters=False), "equalshares+phragmen")
    assert set(result.selected) == theirs
    assert result.spent <= result.budget
    assert set(result.details["equal_shares"]) <= set(result.selected)
    assert all(result.explanations[pid].funded for pid in result.details["completed_by_phragmen"])


def _completion_tie():
    """Equal Shares funds m; 60 is left for x and y, backed by 3 people each and costing 40 each."""
    from grants.tally import Election, Project

    return Election(
        projects=[Project("m", 40, "Mill"), Project("x", 40, "Xylophone"), Project("y", 40, "Yard")],
        budget=100,
        vote_type="approval",
        ballots=[{"m": 1}] * 4 + [{"x": 1}] * 3 + [{"y": 1}] * 3,
    )


def _pabutools_completion(election, resoluteness=True):
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance
    from pabutools.election import Project as PabuProject

    by_id = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in election.ballots])
    return completion_by_rule_combination(
        instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat}, {"sat_class": Cost_Sat}], resoluteness=resoluteness,
    )


@pytest.mark.parametrize(("tie_break", "winner", "loser"), [(None, "x", "y"), (["y", "x", "m"], "y", "x")])
def test_a_tie_in_the_greedy_completion_is_told_to_both_projects(tie_break, winner, loser):
    from grants.tally import tied_outcomes
    from grants.tally.text import describe

    election = _completion_tie()
    result = count(election, "equalshares+greedy", tie_break=tie_break)
    assert result.details["equal_shares"] == ["m"] and result.details["completed_by_greedy"] == [winner]
    won = result.explanations[winner].figures["reason"]
    lost = result.explanations[loser].figures["reason"]
    assert won["kind"] == "completed_funded" and lost["kind"] == "es_short"
    assert (won["tied_with"], won["tie_won"], won["tie_stage"]) == ([loser], True, "greedy")
    assert (lost["tied_with"], lost["tie_won"], lost["tie_stage"]) == ([winner], False, "greedy")
    assert "the tie was settled by the published tie-break order, and not in its favour" in describe(lost)
    assert "and not in its favour" in result.explanations[loser].text
    assert "in its favour" in result.explanations[winner].text
    # The project Equal Shares funded tied with nobody.
    assert "tied_with" not in result.explanations["m"].figures["reason"]
    # Both outcomes are the ones pabutools' irresolute completion lists; with its lexicographic
    # tie-break (x before y) it picks what our default (cheaper, then list order) picks.
    theirs = {frozenset(p.name for p in o) for o in _pabutools_completion(election, resoluteness=False)}
    assert {frozenset(o) for o in tied_outcomes(election, "equalshares+greedy").outcomes} == theirs
    if tie_break is None:
        assert set(result.selected) == {p.name for p in _pabutools_completion(election)}


def test_no_tie_is_told_when_the_completion_funds_every_project_of_equal_support():
    election = _completion_tie()
    election.budget = 120
    result = count(election, "equalshares+greedy")
    assert set(result.selected) == {"m", "x", "y"}
    assert all("tied_with" not in why.figures["reason"] for why in result.explanations.values())


def test_a_tie_in_the_phragmen_completion_is_told_to_both_projects():
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance
    from pabutools.election import Project as PabuProject
    from pabutools.rules import sequential_phragmen

    from grants.tally.text import describe

    election = _completion_tie()
    result = count(election, "equalshares+phragmen")
    assert result.details["equal_shares"] == ["m"] and result.details["completed_by_phragmen"] == ["x"]
    won = result.explanations["x"].figures["reason"]
    lost = result.explanations["y"].figures["reason"]
    assert (won["tied_with"], won["tie_won"], won["tie_stage"]) == (["y"], True, "phragmen")
    assert (lost["tied_with"], lost["tie_won"], lost["tie_stage"]) == (["x"], False, "phragmen")
    assert "and not in its favour" in describe(lost) and "and not in its favour" in result.explanations["y"].text
    by_id = {p.id: PabuProject(p.id, p.cost) for p in election.projects}
    instance = Instance(by_id.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in election.ballots])
    theirs = completion_by_rule_combination(
        instance, profile, [method_of_equal_shares, sequential_phragmen], [{"sat_class": Cost_Sat}, {}]
    )
    assert set(result.selected) == {p.name for p in theirs}
