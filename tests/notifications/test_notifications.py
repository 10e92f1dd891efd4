"""Notifications arrive at a real SMTP server when their events happen, respecting each
person's choices, and show in the app for people who prefer not to use e-mail."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from grants.core import transaction
from grants.demo import load_demo
from grants.extensions import db
from grants.models import Notification, Person
from grants.notifications import notify
from tests import factories
from tests.conftest import Client, login, make_app, post_form, text_of
from tests.ops.smtp_server import smtp_server


@pytest.fixture
def mail_app(database_url, tmp_path):
    """The app with e-mail going to a local SMTP server; jobs run at commit (immediate mode)."""
    with smtp_server() as (inbox, port):
        app = make_app(
            database_url,
            UPLOAD_FOLDER=str(tmp_path / "uploads"),
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_FROM="Our Tables <tables@example.org>",
            SITE_URL="https://tables.example.org",
        )
        app.test_client_class = Client
        with app.app_context():
            yield app, inbox
            db.session.remove()
            db.engine.dispose()


def test_every_event_of_a_round_arrives_by_email(mail_app):
    """The demo is built through the real services; each event's e-mail reaches the SMTP server."""
    app, inbox = mail_app
    load_demo()
    notes = db.session.execute(select(Notification)).scalars().all()
    # Reminders (the demo's approved panel time) are e-mailed only to people who ask for them.
    assert {n.email_state for n in notes if n.event == "reminder"} <= {"not_wanted"}
    notes = [n for n in notes if n.event != "reminder"]
    events = Counter(n.event for n in notes)
    for event in (
        "bid_received",
        "panel_invitation",
        "voting_opened",
        "voting_closed",
        "result",
        "award_made",
        "payment_sent",
    ):
        assert events[event] > 0, f"no {event} notification was written"
        assert len(inbox.by_event(event)) == events[event], event

    # Exactly one message per notification, each to the right person, and every row marked sent.
    assert {n.email_state for n in notes} == {"sent"}
    assert len(inbox.messages) == len(notes)
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert all(count == 1 for count in ids.values())
    emails = dict(db.session.execute(select(Person.id, Person.email)).all())
    for note in notes:
        mine = [m for m in inbox.messages if m["Message-ID"].startswith(f"<notification-{note.id}.")]
        assert len(mine) == 1
        assert mine[0]["To"] == (note.email_to or emails[note.person_id])
        assert mine[0]["Subject"] == note.subject

    # Plain text and HTML, in plain English, with absolute links to the site.
    award = inbox.by_event("award_made")[0]
    assert award["From"] == "Our Tables <tables@example.org>"
    plain = award.get_body(("plain",)).get_content()
    html = award.get_body(("html",)).get_content()
    assert "Hello Gus Group," in plain
    assert "https://tables.example.org/groups/" in plain
    assert "You are getting this e-mail because you lead a group that was awarded money." in plain
    assert "https://tables.example.org/notifications/choices" in plain
    assert '<a href="https://tables.example.org/groups/' in html
    invitation = inbox.by_event("panel_invitation")[0]
    assert "/panel/join/" in invitation.get_body(("plain",)).get_content()
    # An invitation goes to an address, so it carries no link to account settings.
    assert "/notifications/choices" not in invitation.get_body(("plain",)).get_content()


def test_password_reset_email_carries_a_working_link(mail_app):
    """Asking for a reset sends the link by e-mail; following it changes the password."""
    app, inbox = mail_app
    rae = factories.person("Rae")
    client = app.test_client()
    response = post_form(client, "/password-reset", {"email": rae.email}, page="/password-reset")
    assert response.status_code == 302
    [mail] = inbox.by_event("password_reset")
    assert mail["To"] == rae.email
    link = re.search(r"https?://\S+/password-reset/\S+", mail.get_body(("plain",)).get_content()).group(0)
    path = "/" + link.split("/", 3)[3]
    done = post_form(
        client, path, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}, page=path
    )
    assert done.status_code == 302
    assert login(client, rae.email, "a brand new passphrase").status_code == 302
    # Nobody learns whether an address has an account: no mail, same answer.
    response = post_form(client, "/password-reset", {"email": "nobody@example.org"}, page="/password-reset")
    assert response.status_code == 302
    assert len(inbox.messages) == 1


def test_choices_page_stops_emails_but_the_app_still_shows_them(mail_app):
    """A person turns off bid e-mails: the bid still shows in their notifications, unread in the header."""
    app, inbox = mail_app
    convenor, lead = factories.person("Cara"), factories.person("Gus")
    client = app.test_client()
    assert login(client, lead.email).status_code == 302
    page = client.get("/notifications/choices")
    assert page.status_code == 200
    text = text_of(page)
    assert "Panel reminders are off unless you tick them." in text
    assert 'value="reminder"' in page.get_data(as_text=True)
    assert 'value="reminder" checked' not in page.get_data(as_text=True)
    assert 'value="password_reset"' not in page.get_data(as_text=True)  # always sent
    # Keep everything but bid_received.
    keep = [v for v in re.findall(r'value="([a-z_]+)" checked', page.get_data(as_text=True)) if v != "bid_received"]
    assert (
        post_form(client, "/notifications/choices", {"by_email": keep}, page="/notifications/choices").status_code
        == 302
    )
    bad = post_form(client, "/notifications/choices", {"by_email": ["not_an_event"]}, page="/notifications/choices")
    assert bad.status_code == 400

    rnd = factories.open_round(convenor)
    factories.proposal(lead, rnd.id, factories.group(lead), 100_000)
    note = db.session.execute(select(Notification).where(Notification.event == "bid_received")).scalar_one()
    assert note.email_state == "not_wanted"
    assert inbox.by_event("bid_received") == []

    home = client.get("/notifications")
    assert "Notifications 1 unread" in text_of(home)
    assert note.subject in text_of(home)
    assert post_form(client, f"/notifications/{note.id}/read", page="/notifications").status_code == 302
    assert "unread" not in text_of(client.get("/notifications")).split("Sign out")[0]
    # Someone else's notification cannot be marked.
    other = factories.person("Olu")
    with transaction():
        [theirs] = notify([other.id], "result", "Result", "The result is in.")
    assert post_form(client, f"/notifications/{theirs.id}/read", page="/notifications").status_code == 404


def test_panel_reminders_are_opt_in(mail_app):
    """Reminders are not e-mailed until the person ticks them."""
    app, inbox = mail_app
    pat = factories.person("Pat")
    with transaction():
        notify([pat.id], "reminder", "Voting closes on Friday", "A gentle reminder: voting closes on Friday.")
    assert inbox.by_event("reminder") == []
    client = app.test_client()
    login(client, pat.email)
    page = client.get("/notifications/choices").get_data(as_text=True)
    keep = re.findall(r'value="([a-z_]+)" checked', page) + ["reminder"]
    post_form(client, "/notifications/choices", {"by_email": keep}, page="/notifications/choices")
    with transaction():
        notify([pat.id], "reminder", "Voting closes tomorrow", "A gentle reminder: voting closes tomorrow.")
    [mail] = inbox.by_event("reminder")
    assert mail["Subject"] == "Voting closes tomorrow"
    states = db.session.execute(select(Notification.email_state).order_by(Notification.id)).scalars().all()
    assert states == ["not_wanted", "sent"]


def test_without_a_mail_server_mails_are_printed_to_the_log(app, caplog):
    """Development: no MAIL_SERVER, so the message (with its link) goes to the log."""
    caplog.set_level("INFO")
    person = factories.person("Dev")
    with transaction():
        notify([person.id], "result", "The result", "The panel has decided.", link="/tables/x")
    assert f"E-mail not sent (no MAIL_SERVER set) to {person.email}" in caplog.text
    assert "http://127.0.0.1:5000/tables/x" in caplog.text
    assert db.session.execute(select(func.count()).where(Notification.email_state == "sent")).scalar_one() == 1


def test_panel_reminders_go_once_to_those_who_have_not_voted(mail_app):
    """Two days before voting closes: a reminder for each panel member yet to vote, e-mailed
    only to those who asked for reminders, and never twice for the same table."""
    from datetime import timedelta

    from grants.ballots.services import cast_ballot
    from grants.notifications.reminders import remind_panels
    from grants.notifications.services import set_email_choices

    app, inbox = mail_app
    convenor, lead = factories.person("Cara"), factories.person("Gus")
    rnd = factories.open_round(convenor)
    factories.funded(rnd.id, 1_000_000)
    bid = factories.proposal(lead, rnd.id, factories.group(lead), 100_000)
    voted, keen, quiet, shy = (factories.person(n) for n in ("Vi", "Kim", "Quinn", "Sol"))
    for member in (voted, keen, quiet, shy):
        factories.seat(convenor, rnd.id, member)
    from grants.panels.wellbeing import set_preferences

    for member in (voted, keen, quiet):  # Sol never asked for reminders, so gets none at all
        set_preferences(person=member, round_id=rnd.id, wants_reminders=True, content_notes_first=False)
    factories.to_voting(convenor, rnd.id)
    cast_ballot(person=voted, round_id=rnd.id, chosen_ids=[bid.id])
    set_email_choices(person=keen, wanted={"reminder", "result"})
    inbox.messages.clear()

    closes = db.session.get(type(rnd), rnd.id).voting_closes_at
    assert remind_panels(closes - timedelta(days=3)) == 0  # not yet
    assert remind_panels(closes - timedelta(days=1)) == 2
    assert remind_panels(closes - timedelta(hours=12)) == 0  # once per table
    reminders = db.session.execute(select(Notification).where(Notification.event == "reminder")).scalars().all()
    assert sorted(n.person_id for n in reminders) == sorted([keen.id, quiet.id])
    assert [m["To"] for m in inbox.by_event("reminder")] == [keen.email]
    assert "There is no pressure" in inbox.by_event("reminder")[0].get_body(("plain",)).get_content()


def test_report_due_arrives_once_on_the_day_and_only_for_leads(mail_app):
    """An award's end-of-grant report falls due: each of the group's leads is told once, kindly,
    on the day (not before); a lead who turned those e-mails off sees it in the app only; a
    group that already sent its report hears nothing. The command and the worker's daily task
    change nothing more."""
    from datetime import date, timedelta

    from sqlalchemy import update

    from grants.jobs import run_periodic
    from grants.models import Award, GroupRole
    from grants.notifications.services import set_email_choices
    from grants.updates.services import post_report, send_report_due_notices
    from tests.money.conftest import awarded_round

    app, inbox = mail_app
    s = awarded_round(200_000, [60_000, 40_000])
    award, reported = s.awards
    co_lead, member = factories.person("Col Colead"), factories.person("Mo Member")
    factories.join_group(s.lead, s.groups[0].id, co_lead, GroupRole.LEAD)
    factories.join_group(s.lead, s.groups[0].id, member, GroupRole.MEMBER)
    set_email_choices(person=co_lead, wanted=set())  # Col reads everything in the app
    post_report(person=s.lead, group_id=s.groups[1].id, award_id=reported.id, body="We ran twelve sessions.")
    due = db.session.get(Award, award.id).report_due_on
    assert due == date.today() + timedelta(days=365)  # a year after the award, by default
    inbox.messages.clear()

    assert send_report_due_notices(due - timedelta(days=1)) == 0  # not before
    assert inbox.by_event("report_due") == []
    assert send_report_due_notices(due) == 2  # Lee and Col, not Mo; nothing for the reported award
    [mail] = inbox.by_event("report_due")
    assert mail["To"] == s.lead.email
    assert mail["Subject"] == f"Your end-of-grant report for {award.proposal.title}"
    plain = mail.get_body(("plain",)).get_content()
    assert f"is due on {due:%-d %B %Y}" in " ".join(plain.split())
    assert "If you need more time, that is fine, and you do not need to give a reason" in " ".join(plain.split())
    assert f"contact Cara Convenor ({s.convenor.email}), who convenes {s.rnd.title}" in " ".join(plain.split())
    assert f"https://tables.example.org/groups/{s.groups[0].slug}/awards/{award.id}/report" in plain
    notes = db.session.execute(select(Notification).where(Notification.event == "report_due")).scalars().all()
    assert {(n.person_id, n.email_state) for n in notes} == {(s.lead.id, "sent"), (co_lead.id, "not_wanted")}

    # Running it again (the next morning, from the command, or twice at once) sends nothing more.
    assert send_report_due_notices(due + timedelta(days=1)) == 0
    # A new due date (today) is a new notice, once: the command writes it; the command again, and the
    # worker's task, nothing more.
    db.session.execute(update(Award).where(Award.id == award.id).values(report_due_on=date.today()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "reports-due"])
    assert result.exit_code == 0 and "2 report notes written" in result.output
    again = app.test_cli_runner().invoke(args=["mail", "reports-due"])
    assert again.exit_code == 0 and "0 report notes written" in again.output
    assert run_periodic("updates.report_due_notices") == 0
    assert len(inbox.by_event("report_due")) == 2
    db.session.rollback()
    assert db.session.execute(select(func.count()).where(Notification.event == "report_due")).scalar_one() == 4


def test_a_group_that_chose_a_later_date_is_told_again_then_and_the_convenors_hear_of_the_change(app):
    """The notice went out on the day; the group chose a later date without a reason. The
    convenors are told the new date (nothing to do), and the group's leads are told again,
    once, on the new date and not before."""
    from datetime import timedelta

    from grants.models import Award
    from grants.updates.services import choose_report_date, send_report_due_notices
    from tests.money.conftest import awarded_round

    s = awarded_round(200_000, [60_000, 40_000])
    award_id, group = s.awards[0].id, s.groups[0]
    due = db.session.get(Award, award_id).report_due_on
    assert send_report_due_notices(due) == 2  # both groups' awards fall due together

    later = due + timedelta(days=30)
    choose_report_date(person=s.lead, group_id=group.id, award_id=award_id, due_on=later)
    [note] = db.session.execute(select(Notification).where(Notification.person_id == s.convenor.id,
                                                            Notification.event == "report_due")).scalars()  # fmt: skip
    assert note.subject == f"{group.name} chose a later date for its report"
    assert f"chose {later:%-d %B %Y}" in note.body and "there is nothing you need to do" in note.body

    assert send_report_due_notices(later - timedelta(days=1)) == 0
    assert send_report_due_notices(later) == 1
    assert send_report_due_notices(later + timedelta(days=1)) == 0
    told = db.session.execute(
        select(Notification.body)
        .where(Notification.person_id == s.lead.id, Notification.link.endswith(f"/awards/{award_id}/report"))
        .order_by(Notification.id)
    ).scalars().all()
    assert len(told) == 2 and f"is due on {later:%-d %B %Y}" in " ".join(told[1].split())
