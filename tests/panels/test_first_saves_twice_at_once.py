"""A first save of something there is one of, sent twice at once (a double click, or two
convenors): a table's ground rules and panel settings, a proposal's content note, and the
panel's feedback to a group. Both read that there was none
yet and both made it: on PostgreSQL the second failed with a server error. Now each holds the table
first (grants.core.hold), so the second sees what the first made. Real threads, SQLite and
PostgreSQL; each racer is held after its read until the other has read too (tests/races.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from grants.ballots import services as ballots
from grants.ballots.closing import close_voting
from grants.extensions import db
from grants.models import ContentNote, Feedback, GroundRules, PanelSettings, Person
from grants.panels import deliberation, formation, wellbeing
from tests import factories
from tests.panels.care_world import make_world
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}


def _write_rules(person_id: int, round_id: int) -> Callable[[], str]:
    def job() -> str:
        deliberation.write_ground_rules(person=db.session.get(Person, person_id), round_id=round_id,
                                        text="We listen. What is said here stays here.")  # fmt: skip
        return "saved"

    return job


def _save_settings(person_id: int, round_id: int) -> Callable[[], str]:
    def job() -> str:
        formation.save_settings(person=db.session.get(Person, person_id), round_id=round_id,
                                values={"panel_size": 6, "lived_experience_target_percent": 66})  # fmt: skip
        return "saved"

    return job


CASES = {
    "ground rules": (_write_rules, deliberation, "ground_rules", GroundRules),
    "panel settings": (_save_settings, formation, "settings_for", PanelSettings),
}


@pytest.mark.parametrize("what", list(CASES))
def test_a_first_save_sent_twice_at_once_makes_one(app: Flask, monkeypatch, what: str) -> None:  # noqa: ANN001, F811
    job, module, read, model = CASES[what]
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    round_id, convenor_id = rnd.id, convenor.id
    db.session.commit()
    hold_after(monkeypatch, module, read)
    assert run_together(app, [job(convenor_id, round_id), job(convenor_id, round_id)]) == ["saved", "saved"]
    db.session.rollback()
    made = select(func.count()).select_from(model).where(model.round_id == round_id)
    assert db.session.execute(made).scalar_one() == 1


def test_a_groups_content_note_saved_twice_at_once_is_one_note(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    """The group's first content note on its proposal, sent twice (a double click)."""
    w = make_world()
    proposal_id, lead_id = w.proposals[0].id, w.lead.id
    db.session.commit()
    hold_after(monkeypatch, wellbeing, "content_note")

    def save() -> str:
        wellbeing.save_content_note(person=db.session.get(Person, lead_id), proposal_id=proposal_id,
                                    note="Mentions self-harm in the second paragraph.")  # fmt: skip
        return "saved"

    assert run_together(app, [save, save]) == ["saved", "saved"]
    db.session.rollback()
    notes = select(func.count()).select_from(ContentNote).where(ContentNote.proposal_id == proposal_id)
    assert db.session.execute(notes).scalar_one() == 1


def test_the_facilitators_feedback_saved_twice_at_once_is_one_draft(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    """The facilitator's first draft of the panel's feedback to a group, sent twice (a double click)."""
    w = make_world()
    factories.to_voting(w.convenor, w.rnd.id)
    for member in w.members:
        ballots.cast(person=member, round_id=w.rnd.id, form=MultiDict({"proposal": str(w.proposals[0].id)}))
    close_voting(person=w.convenor, round_id=w.rnd.id)
    proposal_id, facilitator_id = w.proposals[1].id, w.facilitator.id
    db.session.commit()
    hold_after(monkeypatch, wellbeing, "feedback_for")

    def save() -> str:
        wellbeing.save_feedback(person=db.session.get(Person, facilitator_id), proposal_id=proposal_id,
                                body="The panel liked the idea; the costs were unclear.", send=False)  # fmt: skip
        return "saved"

    assert run_together(app, [save, save]) == ["saved", "saved"]
    db.session.rollback()
    drafts = select(func.count()).select_from(Feedback).where(Feedback.proposal_id == proposal_id)
    assert db.session.execute(drafts).scalar_one() == 1
