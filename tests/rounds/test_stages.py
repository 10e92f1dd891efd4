"""What other features do as a table enters a stage, without rounds importing them (issue 13).

rounds calls the subscribers of grants/rounds/stages.py; panels record the automatic recusals
when reading starts and when voting opens, ballots make the count key when voting opens. Closing
the vote is ballots' step of the timetable (grants/rounds/timetable.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants.ballots import closing
from grants.core import DomainError
from grants.extensions import db
from grants.models import CountKey, InterestDeclaration, Round, RoundStatus
from grants.rounds import stages, timetable
from grants.rounds.services import advance
from tests import factories


def test_panels_and_ballots_answer_a_table_entering_a_stage(app):
    assert stages.subscribers(RoundStatus.DELIBERATION) == ["grants.panels.conflicts._bids_are_final"]
    assert sorted(stages.subscribers(RoundStatus.VOTING)) == [
        "grants.ballots.sealing._new_key_as_voting_opens",
        "grants.panels.conflicts._bids_are_final",
    ]
    assert stages.subscribers(RoundStatus.BIDS_CLOSED) == []
    assert timetable.STEPS["close"] is closing._close_on_the_day


def _count(model, round_id: int) -> int:  # noqa: ANN001
    return db.session.execute(select(func.count(model.id)).where(model.round_id == round_id)).scalar_one()


def test_recusals_when_reading_starts_and_the_count_key_when_voting_opens(app):
    convenor, lead = factories.person("Cara Convenor"), factories.person("Gus Lead")
    rnd = factories.open_round(convenor)
    factories.seat(convenor, rnd.id, lead)  # seated before their group bids: nothing to stand aside from yet
    for i in range(2):
        factories.seat(convenor, rnd.id, factories.person(f"Pat{i} Panel"))
    factories.proposal(lead, rnd.id, factories.group(lead), 20_000)

    advance(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED)
    assert (_count(InterestDeclaration, rnd.id), _count(CountKey, rnd.id)) == (0, 0)

    advance(person=convenor, round_id=rnd.id, to=RoundStatus.DELIBERATION)
    (declaration,) = db.session.execute(
        select(InterestDeclaration).where(InterestDeclaration.round_id == rnd.id)
    ).scalars()
    assert declaration.person_id == lead.id and declaration.nature.startswith("Automatic: ")
    assert _count(CountKey, rnd.id) == 0

    advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)
    assert _count(InterestDeclaration, rnd.id) == 1  # recorded once, not again as voting opens
    assert _count(CountKey, rnd.id) == 1


def test_a_move_refused_keeps_neither_recusals_nor_a_key(app):
    convenor, lead = factories.person("Cara Convenor"), factories.person("Gus Lead")
    rnd = factories.open_round(convenor)
    factories.proposal(lead, rnd.id, factories.group(lead), 20_000)
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.BIDS_CLOSED)
    advance(person=convenor, round_id=rnd.id, to=RoundStatus.DELIBERATION)
    with pytest.raises(DomainError, match="panel is empty"):
        advance(person=convenor, round_id=rnd.id, to=RoundStatus.VOTING)  # nobody on the panel yet
    db.session.rollback()
    assert _count(CountKey, rnd.id) == 0
    assert db.session.get(Round, rnd.id).status is RoundStatus.DELIBERATION
