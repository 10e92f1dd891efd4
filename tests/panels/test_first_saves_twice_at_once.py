"""A convenor's first save of something a table has one of, sent twice at once (a double click,
or two convenors): the table's ground rules, and its panel settings. Both read that there was none
yet and both made it: on PostgreSQL the second failed with a server error. Now each holds the table
first (grants.core.hold), so the second sees what the first made. Real threads, SQLite and
PostgreSQL; each racer is held after its read until the other has read too (tests/races.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import GroundRules, PanelSettings, Person
from grants.panels import deliberation, formation
from tests import factories
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
