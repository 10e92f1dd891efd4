"""The same form sent twice at once (a double click, two tabs) where the first sending creates a
row the second would create too: both answered with a page, never a server error. Real threads on
SQLite and PostgreSQL. Each sending is held, once it has read that the row is not there yet, until
the other has read it too (or, where the fix makes the second wait, for a moment): so on
PostgreSQL both reach the insert together every time. SQLite lets one writer in at a time.

- A sign-up link opened twice at once: one account, and the other is told there is one.
- The e-mail choices saved twice at once, the first time they are saved: both saved, in turn."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select

from grants.auth import services as auth
from grants.core import DomainError
from grants.extensions import db
from grants.models import NotificationPreference, Person
from grants.notifications import services as notifications
from grants.secrets_at_rest import encrypt
from tests import factories
from tests.races import app, hold_after, race_app, run_together  # noqa: F401 - fixtures: one app per backend for the module

CONNECTIONS = {"sqlite": 4, "postgresql": 4}
def test_a_sign_up_link_opened_twice_at_once_makes_one_account(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    email = "twice@example.org"
    token = encrypt(json.dumps({"email": email, "name": "Tam Twice", "hash": auth.hash_password("correct horse")}))
    db.session.commit()
    hold_after(monkeypatch, auth, "find_person_by_email")

    def open_link() -> str:
        try:
            return f"made {auth.finish_signup(token).id}"
        except DomainError as exc:
            return str(exc)

    outcomes = run_together(app, [open_link, open_link])
    assert sorted(str(o)[:4] for o in outcomes) == ["Ther", "made"], outcomes
    assert "There is already an account for that e-mail address" in str(outcomes)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Person).where(Person.email == email)).scalar_one() == 1


def test_email_choices_saved_twice_at_once_are_both_saved(app: Flask, monkeypatch) -> None:  # noqa: ANN001, F811
    person_id = factories.person("Dee Doubleclick").id
    db.session.commit()
    events = [event for event, _label in notifications.optional_events()]
    hold_after(monkeypatch, notifications, "optional_events")

    def save() -> str:
        notifications.set_email_choices(person=db.session.get(Person, person_id), wanted={events[0]})
        return "saved"

    assert run_together(app, [save, save]) == ["saved", "saved"]
    db.session.rollback()
    rows = db.session.execute(
        select(NotificationPreference.event, NotificationPreference.by_email).where(
            NotificationPreference.person_id == person_id
        )
    ).all()
    assert sorted(rows) == sorted((event, event == events[0]) for event in events)
