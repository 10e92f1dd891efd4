"""Reading and writing Pabulib files, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from grants.tally import Election, PabulibError, Project, read_pb, write_pb
from tests.tally.tally_shared import load, official, pabulib_params

ROOT = Path(__file__).resolve().parents[2]

APPROVAL = '''META
key;value
description;Tiny test
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name;selected
a;60;3;"Park; phase ""one""";1
b;50;2;Benches;0
c;30;1;Bins;1
VOTES
voter_id;vote;age
1;a,b;30
2;a;41
3;a,b,c;
4;;22
'''


def test_reads_sections_quotes_and_extra_columns():
    e = read_pb(APPROVAL)
    assert e.vote_type == "approval" and e.budget == 100 and e.rule == "greedy"
    assert [p.id for p in e.projects] == ["a", "b", "c"]
    assert e.projects[0].name == 'Park; phase "one"'
    assert e.projects[0].extra == {"selected": "1"}  # votes is derived, not kept
    assert e.ballots == [{"a": 1, "b": 1}, {"a": 1}, {"a": 1, "b": 1, "c": 1}, {}]
    assert e.voter_ids == ["1", "2", "3", "4"]
    assert e.voter_fields == ("age",) and e.voter_data[2] == ("",)


def test_bom_crlf_spaces_and_decimal_comma():
    text = "\ufeff" + APPROVAL.replace("budget;100", "budget; 100,50").replace(
        "key;value", "key; value").replace("\n", "\r\n")
    e = read_pb(text)
    assert e.budget == Decimal("100.50")
    assert read_pb(text.encode("utf-8")).budget == Decimal("100.50")


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "x.pb"
    path.write_text(APPROVAL, encoding="utf-8")
    assert read_pb(path).budget == 100
    assert read_pb(str(path)).budget == 100


def _file(vote_type: str, votes_header: str, votes: list[str], extra_meta: str = "") -> str:
    return (
        "META\nkey;value\nbudget;100\nvote_type;" + vote_type + "\n" + extra_meta
        + "PROJECTS\nproject_id;cost\na;60\nb;50\nc;30\nVOTES\n" + votes_header + "\n"
        + "\n".join(votes) + "\n"
    )


def test_every_vote_type_parses():
    assert read_pb(_file("choose-1", "voter_id;vote", ["1;a", "2;c"])).ballots == [
        {"a": 1}, {"c": 1}]
    cumulative = read_pb(_file("cumulative", "voter_id;vote;points", ["1;a,b;7,3"],
                               "max_sum_points;10\n"))
    assert cumulative.ballots == [{"a": 7, "b": 3}] and cumulative.max_sum_points == 10
    scoring = read_pb(_file("scoring", "voter_id;vote;points", ["1;b,a;2.5,-1"],
                            "min_points;-2\nmax_points;3\ndefault_score;0\n"))
    assert scoring.ballots == [{"b": Fraction(5, 2), "a": -1}]
    assert (scoring.min_points, scoring.max_points, scoring.default_score) == (-2, 3, 0)
    ordinal = read_pb(_file("ordinal", "voter_id;vote", ["1;c,a", "2;b,c,a"], "max_length;3\n"))
    assert ordinal.rankings == [("c", "a"), ("b", "c", "a")]
    assert ordinal.ballots == [{"c": 3, "a": 2}, {"b": 3, "c": 2, "a": 1}]  # Pabulib Borda
    with_points = read_pb(_file("ordinal", "voter_id;vote;points", ["1;c,a;5,1"]))
    assert with_points.ballots == [{"c": 5, "a": 1}] and with_points.rankings == [("c", "a")]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("PROJECTS\nproject_id;cost\n", 1, "expected section META"),
        ("META\nkey;value\nbudget;1;2\n", 3, "exactly 2 fields"),
        (APPROVAL.replace("b;50;2;Benches;0", "b;fifty;2;Benches;0"), 12, "not a number"),
        (APPROVAL.replace("c;30;1;Bins;1", "c;30;1;Bins"), 13, "needs 5 fields"),
        (APPROVAL.replace("2;a;41", "2;a,z;41"), 17, "unknown project 'z'"),
        (APPROVAL.replace("vote_type;approval", "vote_type;knapsack"), 7, "vote_type"),
        (APPROVAL.replace("budget;100", "budget;lots"), 6, "not a number"),
        (APPROVAL.replace("a;60;3", "a;-60;3"), 11, "negative cost"),
        (APPROVAL.replace("c;30;1;Bins;1", "a;30;1;Bins;1"), 13, "appears twice"),
        (_file("cumulative", "voter_id;vote;points", ["1;a,b;7"]), 12, "2 projects but 1 points"),
        (_file("cumulative", "voter_id;vote", ["1;a"]), 11, "points column"),
        (APPROVAL.split("VOTES")[0], 13, "no VOTES section"),
    ],
)
def test_malformed_files_name_the_line(text, line, words):
    with pytest.raises(PabulibError) as caught:
        read_pb(text)
    assert caught.value.line == line
    assert f"line {line}:" in str(caught.value)
    assert words in str(caught.value)


def test_write_then_read_round_trips_a_built_election():
    e = Election(
        projects=[Project("p1", 500, "Garden; shared", {"category": "green"}),
                  Project("p2", 250, 'Say "hi"')],
        budget=600, vote_type="cumulative",
        ballots=[{"p1": 3, "p2": 1}, {"p2": 4}], meta={"description": "x", "rule": "greedy"},
        max_sum_points=4,
    )
    text = write_pb(e, selected=["p1"])
    back = read_pb(text)
    assert back.projects[0].extra == {"category": "green", "selected": "1"}
    assert back.ballots == e.ballots and back.budget == 600 and back.max_sum_points == 4
    assert "num_votes;2" in text and "votes;score;name" in text


@pytest.mark.parametrize("path", pabulib_params(slow=lambda p: p.stat().st_size > 1_000_000))
def test_shared_files_round_trip(path):
    election = load(path)
    again = read_pb(write_pb(election))
    assert again == election


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grants.tally", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def test_cli_prints_selected_ids_one_per_line(tmp_path):
    path = tmp_path / "t.pb"
    path.write_text(APPROVAL, encoding="utf-8")
    done = _cli(str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == ["a", "c", ""]


def test_cli_json_shape_and_rule_override(tmp_path):
    path = tmp_path / "t.pb"
    path.write_text(APPROVAL, encoding="utf-8")
    done = _cli(str(path), "--json", "--rule", "equalshares")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rule"] == "equalshares"
    assert isinstance(out["selected"], list) and all(isinstance(s, str) for s in out["selected"])
    assert set(out["explanations"]) == {"a", "b", "c"}
    assert {"funded", "text", "figures"} <= set(out["explanations"]["a"])


def test_cli_malformed_file_exits_2_naming_the_line(tmp_path):
    path = tmp_path / "bad.pb"
    path.write_text(APPROVAL.replace("2;a;41", "2;a,z;41"), encoding="utf-8")
    done = _cli(str(path))
    assert done.returncode == 2
    assert "line 17" in done.stderr and done.stdout == ""


def test_cli_unknown_meta_rule_is_a_clear_error(tmp_path):
    path = tmp_path / "u.pb"
    path.write_text(APPROVAL.replace("rule;greedy", "rule;unknown"), encoding="utf-8")
    done = _cli(str(path))
    assert done.returncode == 2
    assert "'unknown'" in done.stderr and "--rule" in done.stderr
    assert _cli(str(path), "--rule", "greedy").returncode == 0
    assert _cli(str(path), "--rule", "nope").returncode == 2


def test_cli_missing_file_exits_2(tmp_path):
    assert _cli(str(tmp_path / "none.pb")).returncode == 2


@pytest.mark.parametrize("path", pabulib_params(
    lambda e: e.meta.get("unit") in ("Assen", "Wieliczka")))
def test_cli_reproduces_official_outcome(path):
    done = _cli(str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)["selected"]) == official(load(path))
