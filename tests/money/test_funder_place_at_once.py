"""A funder's place on a table is made by its first pledge (an offer) or by the convenors'
invitation. A pledge and an invitation at the same moment, or one pledge sent twice (a double
click), both made the place on PostgreSQL, and the second failed with a server error. Now they
meet in turn: a pledge and an invitation make the funder accepted, whichever came first; two
pledges are two pledges on one offer. Real threads, SQLite and PostgreSQL; each racer is held
after reading the place as missing until the other has read it too (tests/races.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from grants.extensions import db
from grants.funders.services import register_funder
from grants.models import Person, Pledge, TableFunder, TableFunderStatus
from grants.money import power
from grants.money import services as money
from tests import factories
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}


@pytest.mark.parametrize("second", ["invitation", "pledge"])
def test_a_pledge_and_another_move_at_once_make_one_place(app: Flask, monkeypatch, second: str) -> None:  # noqa: ANN001, F811
    convenor = factories.person("Cara Convenor")
    rnd = factories.open_round(convenor)
    giver = factories.person("Fay Funder")
    funder = register_funder(person=giver, name="Northern Trust")
    round_id, funder_id, convenor_id, giver_id = rnd.id, funder.id, convenor.id, giver.id
    db.session.commit()
    hold_after(monkeypatch, power, "table_funder")

    def pledge() -> str:
        money.pledge(person=db.session.get(Person, giver_id), funder_id=funder_id, round_id=round_id,
                     amount_pence=10_000)  # fmt: skip
        return "pledged"

    def invite() -> str:
        power.invite_funder(person=db.session.get(Person, convenor_id), round_id=round_id, funder_id=funder_id)
        return "invited"

    outcomes = run_together(app, [pledge, invite if second == "invitation" else pledge])
    assert all(isinstance(o, str) for o in outcomes), outcomes
    db.session.rollback()
    places = db.session.execute(
        select(TableFunder.status).where(TableFunder.round_id == round_id, TableFunder.funder_id == funder_id)
    ).scalars().all()
    pledges = db.session.execute(select(func.count()).select_from(Pledge).where(Pledge.funder_id == funder_id))
    if second == "invitation":
        assert places == [TableFunderStatus.ACCEPTED], places  # offered and invited: they met
        assert pledges.scalar_one() == 1
    else:
        assert places == [TableFunderStatus.OFFERED], places
        assert pledges.scalar_one() == 2
