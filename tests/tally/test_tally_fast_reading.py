"""The fast VOTES reader (grants/tally/fastread.py): identical ballots merged as they stream,
the same election as the careful reader on every shared file, the careful reader for anything
unusual."""

from __future__ import annotations

from collections import Counter

import pytest

from grants.tally import count, fastread, read_pb
from grants.tally import pabulib as pabulib_module
from tests.tally.tally_shared import pabulib_params


def _approval(votes: list[str], projects: str = "1155;400\n62;300\n447;500\n3;200\n", extra: str = "") -> str:
    return (
        "META\nkey;value\nbudget;1000\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost\n" + projects
        + "VOTES\nvoter_id;vote" + (";note" if extra else "") + "\n"
        + "".join(f"{i + 1};{v}" + (f";{extra}" if extra else "") + "\n" for i, v in enumerate(votes))
    )


def _careful(source, **kwargs):
    """read_pb with the fast reader off."""
    original = pabulib_module._Parser.__init__

    def init(self, *args, **kw):
        kw["fast"] = False
        original(self, *args, **kw)

    pabulib_module._Parser.__init__ = init
    try:
        return read_pb(source, voters=False, **kwargs)
    finally:
        pabulib_module._Parser.__init__ = original


def _fed(monkeypatch) -> list[bool]:
    """Record what each chunk fed to the fast reader gave back."""
    seen: list[bool] = []
    feed = fastread.ApprovalMerger.feed

    def spy(self, raw):
        seen.append(feed(self, raw))
        return seen[-1]

    monkeypatch.setattr(fastread.ApprovalMerger, "feed", spy)
    return seen


def _ballots(election) -> Counter:
    """Distinct ballots (as sets of ids) with how many people cast each."""
    weights = election.weights or [1] * len(election.ballots)
    found: Counter = Counter()
    for ballot, weight in zip(election.ballots, weights, strict=True):
        found[frozenset(ballot)] += weight
    return found


def test_the_same_ballot_in_another_order_is_merged_as_it_is_read(monkeypatch):
    fed = _fed(monkeypatch)
    election = read_pb(_approval(["3,62", "62,3", "1155", "62,3", "", "3"], extra="x y"), voters=False)
    assert fed == [True]
    assert election.n_voters == 6 and election.voter_ids is None
    assert sorted(election.weights) == [1, 1, 1, 3]  # {3, 62} three times; the empty ballot once
    assert _ballots(election) == _ballots(_careful(_approval(["3,62", "62,3", "1155", "62,3", "", "3"])))
    assert count(election, "greedy").support == {"1155": 1, "62": 3, "447": 0, "3": 4}


@pytest.mark.parametrize(
    ("votes", "projects", "why"),
    [
        (["3,62", "62,62"], None, "a project named twice"),
        (["3,,62"], None, "an empty id"),
        (["3,62,"], None, "an empty id at the end"),
        (["3, 62"], None, "a space"),
        (["3,99"], None, "an unknown id"),
        (["03,62"], None, "a leading zero"),
        (['"3,62"'], None, "a quoted vote"),
        (["3,62"], "1155;400\nA62;300\n3;200\n", "an id that is not a number"),
    ],
)
def test_anything_unusual_is_read_the_careful_way_with_the_same_outcome(monkeypatch, votes, projects, why):
    source = _approval(votes, **({"projects": projects} if projects else {}))
    try:
        careful = _careful(source)
    except pabulib_module.PabulibError as exc:
        with pytest.raises(pabulib_module.PabulibError) as caught:
            read_pb(source, voters=False)
        assert (caught.value.line, caught.value.reason) == (exc.line, exc.reason), why
        return
    election = read_pb(source, voters=False)
    assert _ballots(election) == _ballots(careful), why
    assert [str(w) for w in election.warnings] == [str(w) for w in careful.warnings], why


def test_a_blank_line_at_the_end_and_crlf_line_ends(monkeypatch):
    fed = _fed(monkeypatch)
    election = read_pb(_approval(["3,62", "1155"], extra="note") + "\n\n", voters=False)
    assert fed == [True] and election.n_voters == 2
    crlf = _approval(["3,62", "1155"]).replace("\n", "\r\n")
    assert _ballots(read_pb(crlf, voters=False)) == _ballots(_careful(crlf))


def test_a_ballot_over_max_length_still_gets_its_warning_with_its_line():
    source = _approval(["3", "3,62,447"]).replace("rule;greedy\n", "rule;greedy\nmax_length;2\n")
    election = read_pb(source, voters=False)
    [warning] = election.warnings
    assert warning.line == 16 and "max_length" in str(warning)  # the second ballot


def test_ballots_are_merged_across_chunks_and_consolidations(monkeypatch, tmp_path):
    monkeypatch.setattr(pabulib_module, "_CHUNK", 64)
    monkeypatch.setattr(fastread, "PENDING_ROWS", 2)
    votes = [",".join(str(p) for p in pick) for pick in ([3], [62, 3], [3, 62], [447], [1155, 3], [3, 1155])] * 7
    path = tmp_path / "chunks.pb"
    path.write_text(_approval(votes, extra="abc"), encoding="utf-8")
    fed = _fed(monkeypatch)
    election = read_pb(path, voters=False)
    assert len(fed) > 5 and all(fed)
    assert _ballots(election) == Counter(
        {frozenset({"3"}): 7, frozenset({"3", "62"}): 14, frozenset({"447"}): 7, frozenset({"3", "1155"}): 14}
    )


def test_wide_ballots_over_many_projects():
    projects = "".join(f"{100 + i};{10 + i}\n" for i in range(300))
    votes = [",".join(str(100 + (v * 7 + j * 31) % 300) for j in range(1 + v % 9)) for v in range(500)]
    source = _approval(votes, projects=projects)
    election = read_pb(source, voters=False)
    assert _ballots(election) == _ballots(_careful(source))
    assert count(election, "greedy").selected == count(_careful(source), "greedy").selected


@pytest.mark.parametrize("path", pabulib_params())
def test_every_shared_file_reads_as_the_careful_reader_reads_it(path):
    fast = read_pb(path, voters=False)
    careful = _careful(path)
    assert fast.n_voters == careful.n_voters
    assert [str(w) for w in fast.warnings] == [str(w) for w in careful.warnings]
    if fast.vote_type in ("approval", "choose-1"):
        assert _ballots(fast) == _ballots(careful)
    assert count(fast, "greedy").selected == count(careful, "greedy").selected
