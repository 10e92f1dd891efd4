"""Notifications and e-mails are written in the recipient's language, not the sender's."""

from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import select, update

from grants.core import transaction
from grants.extensions import db
from grants.models import Notification, Person
from grants.notifications.outbox import notify, notify_address
from tests import factories


def _welsh(person: Person) -> None:
    with transaction():
        db.session.execute(update(Person).where(Person.id == person.id).values(language="cy"))


def test_each_person_is_told_in_their_own_language(app):
    welsh, english = factories.person("Gwen Welsh"), factories.person("Ed English")
    _welsh(welsh)
    with app.test_request_context("/", headers={"Accept-Language": "en"}), transaction():  # the sender reads English
        notify(
            [welsh.id, english.id],
            "voting_opened",
            subject=lazy_gettext("Tables"),
            body=lazy_gettext("Where the money goes"),
        )
    rows = {
        n.person_id: (n.subject, n.body, n.language)
        for n in db.session.execute(select(Notification).where(Notification.event == "voting_opened")).scalars()
    }
    assert rows[welsh.id] == ("Byrddau", "I ble mae'r arian yn mynd", "cy")
    assert rows[english.id] == ("Tables", "Where the money goes", None)


def test_an_address_is_written_to_in_its_accounts_language_or_the_pages(app):
    welsh = factories.person("Gwen Welsh")
    _welsh(welsh)
    with app.test_request_context("/", headers={"Accept-Language": "en"}), transaction():
        to_account = notify_address(welsh.email, "password_reset", lazy_gettext("Sign in"), lazy_gettext("Sign out"))
    with app.test_request_context("/", headers={"Accept-Language": "cy"}), transaction():
        to_stranger = notify_address("nobody@example.org", "account_exists", lazy_gettext("Sign in"), "x")
    assert (to_account.subject, to_account.body) == ("Mewngofnodi", "Allgofnodi")
    assert to_stranger.subject == "Mewngofnodi" and to_stranger.language == "cy"


def test_the_e_mail_around_a_notification_is_in_its_recipients_language(app):
    from grants.notifications.delivery import build_message

    welsh = factories.person("Gwen Welsh")
    _welsh(welsh)
    with app.test_request_context("/", headers={"Accept-Language": "en"}), transaction():
        (note,) = notify([welsh.id], "voting_opened", lazy_gettext("Tables"), lazy_gettext("Sign in"), link="/ledger")
    message = build_message(note, welsh.email, "Gwen")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "Byrddau"
    assert "Helo Gwen," in text and "Agorwch y ddolen hon i'w weld:" in text and "Mewngofnodi" in text
    assert "Hello" not in text and "Hello" not in html and "Helo Gwen," in html
