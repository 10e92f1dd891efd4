"""A result's sentences name proposals one way (explain._name): the tie notes, the lines and the fairness."""

from __future__ import annotations

from types import SimpleNamespace

from grants.ballots.explain import _name, tie_notes, unnamed
from grants.models import TieBreak


def test_a_proposal_is_named_from_its_id_as_kept_or_left_unnamed(app):
    titles = {3: "“Garden club”"}
    with app.test_request_context():
        assert _name("3", titles) == _name(3, titles) == "“Garden club”"
        for other in ("4", "x", "", None):  # not named in public, or not an id
            assert _name(other, titles) == unnamed()


def test_a_tie_note_names_as_the_lines_do(app):
    titles = {3: "“Garden club”"}
    rnd = SimpleNamespace(tie_break=TieBreak.CHEAPER_FIRST, lottery_seed=None)
    lines = [SimpleNamespace(figures={"tie_break_between": ["3", "4", None]})]
    with app.test_request_context():
        (note,) = tie_notes(lines, rnd, titles)
        assert note.startswith(f"A tie between “Garden club”, {unnamed()} and {unnamed()} was settled by")
