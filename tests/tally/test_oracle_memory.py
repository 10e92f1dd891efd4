"""The oracle's remembered answers are asked again whenever the question or the file changes."""

from __future__ import annotations

import pytest

from tests.tally import oracle_memory
from tests.tally.oracle_memory import question_key, remembered

ASKED: list[str] = []


@pytest.fixture(autouse=True)
def _own_folder(tmp_path, monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.setattr(oracle_memory, "FOLDER", tmp_path / "oracle")
    monkeypatch.delenv("OT_ORACLE_FRESH", raising=False)
    oracle_memory._file_digest.cache_clear()
    ASKED.clear()


def _winners(path, budget: int) -> set[str]:
    """A stand-in oracle: the names on the file's lines that cost no more than `budget`."""
    ASKED.append(path.read_text())
    return {name for name, cost in (line.split() for line in path.read_text().splitlines()) if int(cost) <= budget}


def test_the_same_question_is_answered_from_memory(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\nb 9\n")
    first = remembered(lambda: _winners(path, 6))
    second = remembered(lambda: _winners(path, 6))
    assert first == second == {"a"}
    assert len(ASKED) == 1
    assert isinstance(second, set)


def test_another_value_is_another_question(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\nb 9\n")
    for budget in (6, 10):
        remembered(lambda budget=budget: _winners(path, budget))
    assert remembered(lambda: _winners(path, 10)) == {"a", "b"}
    assert len(ASKED) == 3  # budgets 6 and 10 by default value, then a lambda with other code


def test_a_changed_file_is_asked_again(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\nb 9\n")
    assert remembered(lambda: _winners(path, 6)) == {"a"}
    path.write_text("a 7\nb 2\n")
    oracle_memory._file_digest.cache_clear()  # a new run of the suite reads the file again
    assert remembered(lambda: _winners(path, 6)) == {"b"}
    assert len(ASKED) == 2


def test_fresh_asks_again_and_keeps_the_new_answer(tmp_path, monkeypatch):
    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    remembered(lambda: _winners(path, 6))
    monkeypatch.setenv("OT_ORACLE_FRESH", "1")
    remembered(lambda: _winners(path, 6))
    assert len(ASKED) == 2


def test_a_value_that_cannot_be_keyed_is_never_remembered(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    budgets = {"most": 6}  # a dict has no stable key here
    assert question_key(lambda: _winners(path, budgets["most"])) is None
    remembered(lambda: _winners(path, budgets["most"]))
    remembered(lambda: _winners(path, budgets["most"]))
    assert len(ASKED) == 2


NESTED = ({frozenset({"a", "b"}), frozenset()}, {"a": {"lost": 0.1 + 0.2, "names": ["x", "y"]}})


def _nested(path):  # noqa: ANN001, ANN202
    ASKED.append(path.read_text())
    return NESTED


def test_nested_sets_lists_and_figures_come_back_as_they_went(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    remembered(lambda: _nested(path))
    again = remembered(lambda: _nested(path))
    assert len(ASKED) == 1
    assert again == [NESTED[0], NESTED[1]]  # a tuple comes back as a list, as JSON keeps it
    assert again[1]["a"]["lost"] == 0.1 + 0.2  # a float's every digit


def _their_rule(path):  # noqa: ANN001, ANN202 - stands in for a pabutools rule the question closes over
    ASKED.append(path.read_text())
    return {"a"}


def test_a_question_naming_pabutools_own_rule_is_remembered_under_that_rule(tmp_path):
    """A test that imports pabutools inside its function closes over pabutools' rule: that rule is
    keyed by its name (pabutools' version is in the key), so the answer is kept. It was never
    kept, and the Phragmén cross-check asked pabutools afresh on every run (20 s on Łódź)."""
    from pabutools.rules import greedy_utilitarian_welfare, sequential_phragmen

    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    rule = sequential_phragmen
    assert question_key(lambda: (rule, _their_rule(path))[1]) is not None
    remembered(lambda: (rule, _their_rule(path))[1])
    remembered(lambda: (rule, _their_rule(path))[1])
    assert len(ASKED) == 1
    rule = greedy_utilitarian_welfare  # another of pabutools' rules is another question
    remembered(lambda: (rule, _their_rule(path))[1])
    assert len(ASKED) == 2


def test_a_function_of_ours_is_still_not_a_key(tmp_path):
    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    rule = _their_rule  # a function of the tests: its code is not in the key, so never remembered
    assert question_key(lambda: rule(path)) is None


def test_the_record_says_where_the_question_is_asked_and_what_it_reads(tmp_path):
    import json

    path = tmp_path / "e.pb"
    path.write_text("a 5\nb 9\n")
    remembered(lambda: _winners(path, 6))
    [kept] = (tmp_path / "oracle").glob("*.json")
    record = json.loads(kept.read_text())
    assert record["asked in"] == (
        "test_oracle_memory.py::test_the_record_says_where_the_question_is_asked_and_what_it_reads.<locals>.<lambda>"
    )
    assert record["reads"] == ["e.pb"]
    assert set(record["versions"]) == {"pabutools", "gmpy2"}
    assert record["answer"] == {"set": ["a"], "frozen": False}


def test_asking_again_with_the_same_answer_writes_the_same_bytes(tmp_path, monkeypatch):
    """So a recount that agrees with the record shows nothing in git, and one that does not shows the change."""
    path = tmp_path / "e.pb"
    path.write_text("a 5\nb 9\nc 1\n")
    remembered(lambda: _winners(path, 6))
    [kept] = (tmp_path / "oracle").glob("*.json")
    before = kept.read_bytes()
    monkeypatch.setenv("OT_ORACLE_FRESH", "1")
    remembered(lambda: _winners(path, 6))
    assert kept.read_bytes() == before
    assert len(ASKED) == 2


def test_a_dict_is_written_in_key_order_whatever_order_it_was_built_in(tmp_path):
    """pabutools builds some answers from sets, whose order changes between runs (a recount
    showed four answers "changed" only in their order)."""
    path = tmp_path / "e.pb"
    path.write_text("a 5\n")
    orders = iter([{"b": 1, "a": 2, "c": 3}, {"c": 3, "a": 2, "b": 1}])

    def built() -> dict[str, int]:
        ASKED.append(path.read_text())
        return next(orders)

    first = oracle_memory._encode(built())
    assert first == oracle_memory._encode(built()) == {"dict": [["a", 2], ["b", 1], ["c", 3]]}
