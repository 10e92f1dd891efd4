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


def test_the_panel_is_told_voting_has_opened_each_in_their_own_language(app):
    """A real notice from the rounds service: the Welsh member reads Welsh, the date's month included,
    while the English member's words stay exactly as before."""
    convenor, lead = factories.person(), factories.person()
    welsh, english = factories.person("Gwen Welsh"), factories.person("Ed English")
    _welsh(welsh)
    rnd = factories.open_round(convenor)
    factories.proposal(lead, rnd.id, factories.group(lead), 10_000)
    factories.seat(convenor, rnd.id, welsh)
    factories.seat(convenor, rnd.id, english)
    with app.test_request_context("/", headers={"Accept-Language": "cy"}):  # the convenor reads Welsh
        factories.to_voting(convenor, rnd.id)
    rows = {
        n.person_id: n
        for n in db.session.execute(select(Notification).where(Notification.event == "voting_opened")).scalars()
    }
    closes = db.session.get(type(rnd), rnd.id).voting_closes_at
    assert (rows[english.id].subject, rows[english.id].body) == (
        f"Voting has opened: {rnd.title}",
        f"Voting on {rnd.title} is open until {closes:%d %B %Y}. Vote when you are ready; "
        "you can pause at any time.",
    )
    months = "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr".split()
    assert rows[welsh.id].subject == f"Mae'r bleidlais wedi agor: {rnd.title}"
    assert rows[welsh.id].body == (
        f"Mae'r bleidlais ar {rnd.title} ar agor tan {closes:%d} {months[closes.month - 1]} {closes:%Y}. "
        "Pleidleisiwch pan fyddwch yn barod; gallwch oedi unrhyw bryd."
    )


def test_why_quorum_was_not_met_is_told_in_each_members_language(app):
    """The reasons quorum was not met are words for people: a Welsh member reads them in Welsh,
    an English member exactly as before, and the public record keeps the English."""
    from grants.ballots.closing import close_voting
    from grants.core import transaction
    from grants.models import AuditEntry, QuorumPolicy

    convenor, lead = factories.person(), factories.person()
    welsh, english = factories.person("Gwen Welsh"), factories.person("Ed English")
    _welsh(welsh)
    rnd = factories.open_round(
        convenor, quorum_min_ballots=2, quorum_policy=QuorumPolicy.EXTEND, quorum_extend_days=3
    )
    factories.proposal(lead, rnd.id, factories.group(lead), 10_000)
    factories.seat(convenor, rnd.id, welsh)
    factories.seat(convenor, rnd.id, english)
    factories.to_voting(convenor, rnd.id)
    with app.test_request_context("/", headers={"Accept-Language": "cy"}), transaction():  # the convenor reads Welsh
        close_voting(person=convenor, round_id=rnd.id)
    rows = {
        n.person_id: n.body
        for n in db.session.execute(select(Notification).where(Notification.event == "reminder")).scalars()
    }
    assert "Quorum was not met: 0 ballots were cast and the published quorum needed 2." in rows[english.id]
    assert "0 pleidlais" in rows[welsh.id] and "ballots were cast" not in rows[welsh.id], rows[welsh.id]
    record = db.session.execute(select(AuditEntry).where(AuditEntry.action == "voting_extended")).scalar_one()
    assert "0 ballots were cast and the published quorum needed 2" in record.summary


def test_a_table_run_in_both_languages_is_named_in_each_members_own(app):
    """A notice names a bilingual table by the title written in the recipient's language."""
    convenor, lead = factories.person(), factories.person()
    welsh, english = factories.person("Gwen Welsh"), factories.person("Ed English")
    _welsh(welsh)
    rnd = factories.open_round(convenor)
    with transaction():
        table = db.session.get(type(rnd), rnd.id)
        table.write_versions(
            {
                "en": {"title": "Winter Table", "purpose": "Warmth.", "who_may_apply": "Groups."},
                "cy": {"title": "Bwrdd y Gaeaf", "purpose": "Cynhesrwydd.", "who_may_apply": "Grwpiau."},
            }
        )
    factories.proposal(lead, rnd.id, factories.group(lead), 10_000)
    factories.seat(convenor, rnd.id, welsh)
    factories.seat(convenor, rnd.id, english)
    factories.to_voting(convenor, rnd.id)
    subjects = {
        n.person_id: n.subject
        for n in db.session.execute(select(Notification).where(Notification.event == "voting_opened")).scalars()
    }
    assert subjects[english.id] == "Voting has opened: Winter Table"
    assert subjects[welsh.id] == "Mae'r bleidlais wedi agor: Bwrdd y Gaeaf"


def test_the_result_is_told_in_words_each_member_reads(app):
    """The panel's and groups' notice of a result puts it into words in the recipient's language
    (the stored summary stays the English record)."""
    from grants.ballots.announce import in_words
    from grants.language import written_in
    from grants.models import Result

    result = Result(quorum_met=True, spent_pence=300_000, budget_pence=500_000, summary="the English record")
    with app.test_request_context("/"):
        told = in_words(result, 3, 1)
        assert written_in(told, "en") == "1 of 3 proposals funded, £3,000 of £5,000."
        assert written_in(told, "cy") == "ariannwyd 1 o 3 chynnig, £3,000 o £5,000."
        no_decision = in_words(Result(quorum_met=False), 0, 0)
        assert written_in(no_decision, "cy") == "Ni chyrhaeddwyd y cworwm, felly ni wnaed penderfyniad."
