"""Two things of the same name made at the same moment (two people registering "Allotment Minds",
or one form sent twice by a double click): both are made, each at its own address, and neither
person sees a server error. Real threads on SQLite and PostgreSQL (grants.core.add_with_unique_slug).

On PostgreSQL each racer is held, once it has read the name's address as free, until the other
has read it too: both then insert the same slug, as an unlucky moment would, every time. SQLite
lets one writer in at a time, so there the second always finds the first's address taken."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select

from grants import core
from grants.extensions import db
from grants.funders import services as funders
from grants.groups import services as groups
from grants.models import Funder, Group, Person, Round
from grants.rounds import services as rounds
from tests import factories
from tests.races import app, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}
NAME = "Allotment Minds"


def _make(kind: str, person_id: int):  # noqa: ANN202
    def job() -> str:
        person = db.session.get(Person, person_id)
        if kind == "group":
            made = groups.register_group(
                person=person, name=NAME, description="Growing food together.", is_lived_experience_led=True,
                contact_email="hello@allotment.example.org",
            )  # fmt: skip
        elif kind == "funder":
            made = funders.register_funder(person=person, name=NAME)
        else:
            made = rounds.create_round(person=person, values=factories.rules(title=NAME))
        return made.slug

    return job


MODELS = {"group": Group, "funder": Funder, "table": Round}


@pytest.mark.parametrize("kind", list(MODELS))
def test_two_of_the_same_name_at_once_are_both_made_at_addresses_of_their_own(
    app: Flask,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    model = MODELS[kind]
    people = [factories.person(f"Racer {i}").id for i in range(2)]
    before = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        both_read = threading.Barrier(2)
        read = core.unique_slug

        def in_step(model: type, text: str) -> str:
            slug = read(model, text)
            both_read.wait(timeout=30)  # neither writes until both have seen the address free
            return slug

        monkeypatch.setattr(core, "unique_slug", in_step)
    outcomes = run_together(app, [_make(kind, pid) for pid in people])
    assert all(isinstance(o, str) for o in outcomes), outcomes
    assert len(set(outcomes)) == 2 and all(o.startswith("allotment-minds") for o in outcomes), outcomes
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(model)).scalar_one() == before + 2


def test_another_broken_rule_is_not_taken_for_a_taken_address(app: Flask) -> None:  # noqa: F811
    """Only a clash on the slug is tried again: a row that breaks another rule (a group with no
    name) fails as before, after one insert, and nothing is written."""
    from sqlalchemy import event
    from sqlalchemy.exc import IntegrityError

    inserts = []

    def noting(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        if statement.lstrip().upper().startswith("INSERT INTO GROUPS"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", noting)
    try:
        with pytest.raises(IntegrityError), core.transaction() as session:
            nameless = Group(name=None, description="", contact_email="x@example.org")
            core.add_with_unique_slug(session, nameless, "Unnamed")
    finally:
        event.remove(db.engine, "before_cursor_execute", noting)
    db.session.rollback()
    assert len(inserts) == 1, inserts
    unnamed = select(func.count()).select_from(Group).where(Group.slug.like("unnamed%"))
    assert db.session.execute(unnamed).scalar_one() == 0
