"""Points, scores and places the ballot pages read by hand: a huge or fractional number is refused.

The hostile-input crawl (tests/security/test_hostile_inputs.py) reaches the demo's approval
ballot only; these are the other ballot types, through the same service the pages call.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.ballots import services as ballots
from grants.core import DomainError
from grants.extensions import db
from grants.models import Ballot, BallotType, CountingRule
from tests.ballots.test_ballot_types import Form, setup_round

HUGE = ["9" * 40, "9" * 5000, "1e1000000", "0.5", "2.7", "-0"]


@pytest.mark.parametrize("value", HUGE)
def test_points_ballot_refuses_a_hostile_number(app, value: str) -> None:
    _convenor, rnd, (a, _b, _c), members = setup_round(ballot_type=BallotType.CUMULATIVE, points_total=10)
    form = Form({f"points-{a.id}": value})
    if value == "-0":  # zero points is a choice not to give any: nothing to cast
        form[f"points-{a.id}"] = "0"
    with pytest.raises(DomainError):
        ballots.cast(person=members[0], round_id=rnd.id, form=form)
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 0


@pytest.mark.parametrize("value", HUGE)
def test_score_and_ranked_ballots_refuse_a_hostile_number(app, value: str) -> None:
    _convenor, rnd, (a, b, c), members = setup_round(
        ballot_type=BallotType.SCORE, counting_rule=CountingRule.SCORE_AVERAGE, score_max=4,
        score_criteria=["Good value"],
    )  # fmt: skip
    marks = {f"score-{p.id}-0": "1" for p in (a, b, c)} | {f"comment-{p.id}-0": "Fine." for p in (a, b, c)}
    marks[f"score-{a.id}-0"] = value
    with pytest.raises(DomainError):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form(marks))
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 0


@pytest.mark.parametrize("value", HUGE)
def test_ranked_ballot_refuses_a_hostile_place(app, value: str) -> None:
    _convenor, rnd, (a, b, _c), members = setup_round(ballot_type=BallotType.RANKED, rank_depth=2)
    with pytest.raises(DomainError):
        ballots.cast(person=members[0], round_id=rnd.id, form=Form({f"rank-{a.id}": value, f"rank-{b.id}": "1"}))
    assert db.session.execute(select(func.count(Ballot.id))).scalar_one() == 0
