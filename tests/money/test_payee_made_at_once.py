"""A group's way of being paid is made on first use. The lead and the treasurer saving the group's
bank details at the same moment (or one of them in two tabs) both make it: on PostgreSQL the second
insert met the first's row and failed with a server error. Now the second reads the first's row
and saves over it, as if it had come a moment later. Real threads, SQLite and PostgreSQL; each
racer is held after its permission check until the other has reached it too (tests/races.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from grants.extensions import db
from grants.models import GroupRole, Payee, Person
from grants.money import payouts
from tests import factories
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}


def test_the_lead_and_the_treasurer_saving_bank_details_at_once_both_save(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    lead = factories.person("Lee Lead")
    group = factories.group(lead)
    treasurer = factories.person("Tess Treasurer")
    factories.join_group(lead, group.id, treasurer, GroupRole.TREASURER)
    group_id, people = group.id, [lead.id, treasurer.id]
    db.session.commit()
    hold_after(monkeypatch, payouts, "_manage")

    def save(person_id: int, number: str):  # noqa: ANN202
        def job() -> str:
            payouts.set_bank_details(
                person=db.session.get(Person, person_id), group_id=group_id, account_name="Allotment Minds",
                sort_code="12-34-56", account_number=number,
            )  # fmt: skip
            return "saved"

        return job

    outcomes = run_together(app, [save(people[0], "11111111"), save(people[1], "22222222")])
    assert outcomes == ["saved", "saved"], outcomes
    db.session.rollback()
    payees = db.session.execute(select(Payee).where(Payee.group_id == group_id)).scalars().all()
    assert len(payees) == 1 and payees[0].account_number in ("11111111", "22222222")
