"""Reading every file pabutools reads: warnings for files that break their own META, clear refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grants.tally import PabulibError, count, parse_number, read_pb
from grants.tally import pabulib as pabulib_module

ROOT = Path(__file__).resolve().parents[2]


def _approval(votes: list[str], meta: str = "", projects: str = "") -> str:
    return (
        "META\nkey;value\ndescription;Bialoleka\nbudget;1000\nvote_type;approval\nrule;greedy\n" + meta
        + "PROJECTS\nproject_id;cost;name\n1155;400;Park\n62;300;Bench\n447;500;Bins\n3;200;Trees\n" + projects
        + "VOTES\nvoter_id;vote\n" + "".join(f"{i + 1};{v}\n" for i, v in enumerate(votes))
    )


REPEATED = _approval(["62,447", "1155,1155,1155,62,447", "3", "1155"], meta="max_length;5\n")
REPEATED_LINE = 17  # the second VOTES line


@pytest.mark.parametrize("voters", [True, False])
def test_a_project_repeated_in_a_ballot_is_counted_once_with_a_warning(voters):
    election = read_pb(REPEATED, voters=voters)
    assert election.n_voters == 4
    [warning] = election.warnings
    assert warning.line == REPEATED_LINE
    assert "'1155' 3 times" in str(warning) and f"line {REPEATED_LINE}:" in str(warning)
    support = count(election, "greedy").support
    assert support["1155"] == 2 and support["62"] == 2 and support["447"] == 2


def test_the_repeated_ballot_is_counted_as_pabutools_counts_it(tmp_path):
    from pabutools.election import parse_pabulib

    path = tmp_path / "bialoleka.pb"
    path.write_text(REPEATED, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    theirs = {p.name: sum(1 for b in profile if p in b) for p in instance}
    assert [len(b) for b in profile] == [len(b) for b in read_pb(path).ballots] == [2, 3, 1, 1]
    assert count(read_pb(path, voters=False), "greedy").support == theirs


@pytest.mark.parametrize("voters", [True, False])
def test_strict_reading_refuses_the_repeated_project_naming_the_line(voters):
    with pytest.raises(PabulibError) as caught:
        read_pb(REPEATED, strict=True, voters=voters)
    assert caught.value.line == REPEATED_LINE and "strict" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_approval(["62", "3"], meta="num_votes;7\n"), 7, "num_votes is '7' but the file has 2 votes"),
        (_approval(["62", "3"], meta="num_projects;3\n"), 7, "num_projects is '3' but the file has 4 projects"),
        (_approval(["62", "1155,62,447", "3"], meta="max_length;2\n"), 17, "more projects than max_length (2)"),
        (_approval(["1155,62", "3"], meta="min_length;2\n"), 17, "fewer projects than min_length (2)"),
        (_approval(["3", "1155,62"], meta="max_sum_cost;600\n"), 17, "cost more than max_sum_cost (600)"),
        (_approval(["3", "1155,,62"]), 16, "empty project id"),
        (_approval(["3", "1155", "1155"]).replace("3;1155\n", "2;1155\n"), 17, "voter id appears again"),
    ],
)
def test_files_that_break_their_own_meta_are_counted_with_a_warning(text, line, words):
    election = read_pb(text)
    assert [w.line for w in election.warnings] == [line], election.warnings
    assert words in str(election.warnings[0])
    with pytest.raises(PabulibError) as caught:
        read_pb(text, strict=True)
    assert caught.value.line == line


def test_points_over_max_sum_points_warn_and_count_as_given():
    text = (
        "META\nkey;value\nbudget;100\nvote_type;cumulative\nmax_sum_points;10\nmax_points;8\n"
        "PROJECTS\nproject_id;cost\na;60\nb;50\nVOTES\nvoter_id;vote;points\n1;a,b;5,5\n2;a,b;9,3\n"
    )
    election = read_pb(text, voters=False)
    assert {w.line for w in election.warnings} == {14}
    assert any("max_sum_points (10)" in str(w) for w in election.warnings)
    assert any("max_points (8)" in str(w) for w in election.warnings)
    assert count(election, "greedy").support == {"a": 14, "b": 8}


def test_an_empty_id_is_treated_alike_in_approval_and_ordinal_ballots():
    for vote_type in ("approval", "ordinal"):
        text = _approval(["3", "1155,,62"]).replace("vote_type;approval", f"vote_type;{vote_type}")
        election = read_pb(text)
        assert [w.line for w in election.warnings] == [16], vote_type
        assert list(election.ballots[1]) == ["1155", "62"]
    # With a points column an empty id leaves points without a project: refused, with the line.
    text = (
        "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;60\nb;50\n"
        "VOTES\nvoter_id;vote;points\n1;a;5\n2;a,,b;1,2,3\n"
    )
    for voters in (True, False):
        with pytest.raises(PabulibError) as caught:
            read_pb(text, voters=voters)
        assert caught.value.line == 12 and "empty project id" in str(caught.value)


@pytest.mark.parametrize("voters", [True, False])
def test_an_unterminated_quote_is_reported_where_it_opens(voters):
    text = _approval(["1155", "3"], projects='9;100;"Never closed\n')
    with pytest.raises(PabulibError) as caught:
        read_pb(text, voters=voters)
    assert caught.value.line == 13 and "never closed" in str(caught.value)
    in_votes = _approval(["1155", '3;"x', "62"]).replace("voter_id;vote\n", "voter_id;vote;note\n")
    in_votes = in_votes.replace("1;1155\n", "1;1155;\n").replace("3;62\n", "3;62;\n")
    with pytest.raises(PabulibError) as caught:
        read_pb(in_votes, voters=voters)
    assert caught.value.line == 16 and "never closed" in str(caught.value)


@pytest.mark.parametrize("voters", [True, False])
def test_text_that_is_not_utf8_is_refused_with_line_and_byte(voters):
    data = _approval(["1155", "3"]).encode("utf-8").replace(b"Bench", b"B\xe9nch")
    with pytest.raises(PabulibError) as caught:
        read_pb(data, voters=voters)
    assert caught.value.line == 10
    assert caught.value.byte == data.index(b"\xe9") + 1
    assert "0xe9" in str(caught.value) and f"byte {caught.value.byte}" in str(caught.value)
    late = _approval(["1155", "3"]).encode("utf-8") + b"3;62\xff\n"
    with pytest.raises(PabulibError) as caught:
        read_pb(late, voters=voters)
    assert (caught.value.line, caught.value.byte) == (17, late.index(b"\xff") + 1)


def test_an_unknown_project_found_on_the_fast_path_is_reported_on_its_line():
    votes = ["1155,62"] * 5000 + ["62,999"] + ["3"] * 10
    with pytest.raises(PabulibError) as caught:
        read_pb(_approval(votes), voters=False)
    assert caught.value.line == 15 + 5000 and "unknown project '999'" in str(caught.value)


def test_a_folder_or_unreadable_path_is_a_clear_refusal(tmp_path):
    with pytest.raises(PabulibError, match="is a folder"):
        read_pb(tmp_path)
    done = _cli(str(tmp_path))
    assert done.returncode == 2 and "is a folder" in done.stderr and "Traceback" not in done.stderr


def test_running_out_of_memory_is_a_clear_message(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pabulib_module._Votes, "read", exhausted)
    with pytest.raises(PabulibError, match="too large to read with the memory available"):
        read_pb(REPEATED)


def test_a_large_file_streams_in_little_memory(tmp_path):
    """Two million voters (50 MB) read under a 400 MB address-space limit; the old reader held it all."""
    path = tmp_path / "big.pb"
    with path.open("w", encoding="utf-8") as out:
        out.write(_approval([]))
        pattern = ["1155,62", "3", "447,3", "62"]
        out.writelines(f"{i};{pattern[i % 4]};{'x' * 10}\n" for i in range(10, 2_000_010))
    text = path.read_text(encoding="utf-8").replace("voter_id;vote\n", "voter_id;vote;note\n", 1)
    path.write_text(text, encoding="utf-8")
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (400 << 20, 400 << 20));"
        "from grants.tally.__main__ import main; sys.exit(main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), "--json"], cwd=ROOT, capture_output=True, text=True,
        timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"selected"' in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("text", ["1e1000000", "9" * 40, "1" + "0" * 31, "1e-50", "-1e31"])
def test_absurd_numbers_are_refused_by_parse_number(text):
    with pytest.raises(PabulibError) as caught:
        parse_number(text, "the budget", 4)
    assert caught.value.line == 4
    with pytest.raises(PabulibError) as caught:
        read_pb(_approval(["3"]).replace("budget;1000", f"budget;{text}"))
    assert caught.value.line == 4


def test_ordinary_numbers_still_parse():
    assert parse_number("24186815") == 24186815
    assert parse_number("770039,52") == pabulib_module.Decimal("770039.52")
    assert parse_number("1e3") == 1000


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grants.tally", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def test_cli_prints_warnings_and_strict_refuses(tmp_path):
    path = tmp_path / "r.pb"
    path.write_text(REPEATED, encoding="utf-8")
    done = _cli(str(path))
    assert done.returncode == 0, done.stderr
    assert f"warning: {path}: line {REPEATED_LINE}:" in done.stderr
    strict = _cli(str(path), "--strict")
    assert strict.returncode == 2 and f"line {REPEATED_LINE}" in strict.stderr and strict.stdout == ""
