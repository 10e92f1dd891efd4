"""Every project gets a plain-English explanation with the figures behind it, for every rule."""

from __future__ import annotations

import pytest

from grants.tally import RULES, Election, Project, count
from tests.tally.tally_shared import load, pabulib_params


def pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


def small_election(vote_type: str = "approval") -> Election:
    points = 1 if vote_type == "approval" else 2
    return Election(
        projects=[Project("a", 60_000, "Allotment"), Project("b", 50_000, "Bus"),
                  Project("c", 30_000, "Cafe"), Project("d", 10_000, "Nobody's")],
        budget=100_000,
        vote_type=vote_type,
        ballots=[{"a": points, "b": points}, {"a": points, "b": points},
                 {"a": points, "b": points, "c": points}, {"a": points}],
    )


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_every_project_is_explained_with_figures(rule, vote_type):
    result = count(small_election(vote_type), rule, format_money=pounds)
    assert list(result.explanations) == ["a", "b", "c", "d"]
    word = "votes" if vote_type == "approval" else "points"
    for pid, why in result.explanations.items():
        assert why.project_id == pid
        assert why.funded == (pid in result.selected)
        assert why.text.startswith("Funded" if why.funded else "Not funded")
        assert why.figures["cost"] > 0 and "support" in why.figures
        assert word in why.text or "no " + word in why.text or "£" in why.text
    assert "no " + word in result.explanations["d"].text


def test_greedy_texts_carry_the_numbers():
    result = count(small_election(), "greedy", format_money=pounds)
    assert result.selected == ["a", "c"]
    assert result.explanations["a"].text == (
        "Funded: 4 of 4 votes; it fitted in the remaining £1,000.00.")
    assert result.explanations["b"].text == (
        "Not funded: after funding 1 proposal £400.00 remained, less than its £500.00.")
    figures = result.explanations["b"].figures
    assert figures["remaining_before"] == 40_000 and figures["position"] == 2


def test_threshold_and_no_skip_texts():
    e = small_election()
    result = count(e, "greedy-threshold", min_support=4, format_money=pounds)
    assert result.selected == ["a"]
    assert "below the minimum of 4" in result.explanations["b"].text
    stopped = count(e, "greedy-no-skip", format_money=pounds)
    assert stopped.selected == ["a"]
    assert "counting stopped at proposal b" in stopped.explanations["c"].text


def test_equal_shares_texts_say_what_the_shares_mean():
    result = count(small_election(), "equalshares", format_money=pounds)
    assert result.selected == ["a"]
    assert "its supporters still had £1,000.00 between them, enough for its £600.00 cost" in (
        result.explanations["a"].text)
    why = result.explanations["b"]
    assert why.text == (
        "Not funded: 3 of 4 who could vote on it backed it. Its 3 supporters had £300.00 left between "
        "them, less than its £500.00 cost, because most of their share had gone to “Allotment”, which "
        "they also backed. It would have needed one more supporter with a full share, if nothing else "
        "had changed.")
    assert "per point" not in why.text and "paid at most" not in why.text
    assert why.figures["money_behind"] < why.figures["cost"]


@pytest.mark.parametrize("path", pabulib_params(lambda e: len(e.ballots) <= 7000))
@pytest.mark.parametrize("rule", ["greedy", "equalshares", "phragmen", "score-average"])
def test_shared_files_have_one_explanation_per_project(path, rule):
    election = load(path)
    result = count(election, rule)
    assert set(result.explanations) == set(election.project_ids)
    assert all(e.text and e.figures for e in result.explanations.values())
