"""One transaction per use case, and what it tells the rest of the app when it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from grants.core import DomainError, transaction, use_case_committed, use_case_committing
from grants.db_setup import ANY_TABLE
from grants.extensions import db
from grants.models import Group, Person
from tests import factories


@pytest.fixture
def committed(app):  # noqa: ANN001, ARG001 - needs the app's database
    seen: list[frozenset[str]] = []

    def note(_sender, tables: frozenset[str]) -> None:  # noqa: ANN001
        seen.append(tables)

    use_case_committed.connect(note)
    yield seen
    use_case_committed.disconnect(note)


def test_a_use_case_names_the_tables_it_wrote(committed):
    person = factories.person("Tabitha Tables")
    committed.clear()
    with transaction() as session:
        session.execute(select(Person)).all()  # reading writes nothing
        session.add(Group(name="Writers", slug="writers", contact_email="w@example.org", description=""))
        session.execute(update(Person).where(Person.id == person.id).values(display_name="Tabitha"))
    assert committed == [frozenset({"groups", "people"})]


def test_a_write_in_raw_sql_may_have_touched_anything(committed):
    factories.person()
    committed.clear()
    with transaction() as session:
        session.execute(text("SELECT 1"))
        session.execute(text("UPDATE people SET display_name = display_name"))
    assert committed == [frozenset({ANY_TABLE})]


def test_a_use_case_that_reads_only_names_no_tables_and_a_refused_one_sends_nothing(committed):
    with transaction() as session:
        session.execute(select(Person)).all()
    with pytest.raises(DomainError), transaction() as session:
        session.add(Group(name="Half done", slug="half-done", contact_email="h@example.org", description=""))
        session.flush()
        raise DomainError("refused")
    assert committed == [frozenset()]
    assert db.session.execute(select(Group).where(Group.slug == "half-done")).first() is None


def test_just_before_the_commit_a_receiver_hears_the_tables_and_writes_in_the_same_transaction(committed):
    """What a receiver of `use_case_committing` writes is kept or lost with the use case."""
    heard: list[frozenset[str]] = []

    def add_a_group(session, tables: frozenset[str]) -> None:  # noqa: ANN001
        heard.append(tables)
        if "people" in tables:
            told = f"told-{len(heard)}"
            session.add(Group(name=told, slug=told, contact_email="t@example.org", description=""))
            if any(slug == "refuse" for slug in db.session.execute(select(Group.slug)).scalars()):
                raise DomainError("refused at the last moment")

    use_case_committing.connect(add_a_group)
    try:
        with transaction() as session:
            session.add(Person(email="unflushed@example.org", display_name="Not flushed yet", password_hash="x"))
        assert heard == [frozenset({"people"})]  # flushed first, so the table is named
        assert committed == [frozenset({"people"})]  # the receiver's own writes are its business
        assert db.session.execute(select(Group.slug)).scalars().all() == ["told-1"]
        with pytest.raises(DomainError), transaction() as session:
            session.add(Group(name="Refuse", slug="refuse", contact_email="r@example.org", description=""))
            session.add(Person(email="second@example.org", display_name="Second", password_hash="x"))
        db.session.rollback()
        assert db.session.execute(select(Group.slug)).scalars().all() == ["told-1"]
        assert db.session.execute(select(Person.email).where(Person.email == "second@example.org")).first() is None
        assert len(committed) == 1
    finally:
        use_case_committing.disconnect(add_a_group)


def test_a_use_case_sees_what_others_committed_after_the_view_read(app):
    """Rows the view read are read again inside the use case (PostgreSQL carries on in the view's
    transaction, SQLite begins a new one): a change committed in between is never missed."""
    person = factories.person("Before")
    db.session.commit()
    seen = db.session.get(Person, person.id)  # the view reads ...
    assert seen.display_name == "Before"
    with db.engine.connect() as other:  # ... someone else changes it and commits ...
        other.execute(update(Person).where(Person.id == person.id).values(display_name="After"))
        other.commit()
    with transaction():  # ... and the use case sees the change.
        assert seen.display_name == "After"
        assert db.session.execute(select(Person.display_name).where(Person.id == person.id)).scalar_one() == "After"
