"""Answering a table's open call for panel members, with the form sent twice at once (a double
click): both sendings are saved, in turn, and the person is one volunteer. On PostgreSQL both
inserted the answer and the second failed with a server error. Real threads, SQLite and
PostgreSQL; each sending is held after its read until the other has read too (tests/races.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import PanelVolunteer, Person
from grants.panels import formation
from tests import factories
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}


def test_volunteering_twice_at_once_is_one_volunteer(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    convenor = factories.person("Cora Convenor")
    rnd = factories.open_round(convenor)
    formation.open_call(person=convenor, round_id=rnd.id, is_open=True)
    round_id, person_id = rnd.id, factories.person("Val Volunteer").id
    db.session.commit()
    hold_after(monkeypatch, formation, "_reference")  # made only once the answer was read as missing

    def send() -> str:
        formation.volunteer(
            person=db.session.get(Person, person_id), round_id=round_id, has_lived_experience=True,
            access_needs="", contact_by="email", contact_details="",
        )  # fmt: skip
        return "saved"

    assert run_together(app, [send, send]) == ["saved", "saved"]
    db.session.rollback()
    mine = select(func.count()).select_from(PanelVolunteer).where(
        PanelVolunteer.round_id == round_id, PanelVolunteer.person_id == person_id
    )
    assert db.session.execute(mine).scalar_one() == 1
