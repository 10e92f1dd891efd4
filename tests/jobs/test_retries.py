"""A failing e-mail or job is retried with backoff, then shown to an administrator, who can
send it again; nothing runs twice with effect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from grants import jobs
from grants.core import transaction
from grants.extensions import db
from grants.jobs import enqueue_job, relay
from grants.jobs.outbox import run_job
from grants.jobs.registry import HANDLERS
from grants.models import Notification, OutboxJob, Person
from grants.models._base import utcnow
from grants.notifications import notify
from grants.notifications.delivery import deliver
from tests import factories
from tests.conftest import Client, login, make_app, post_form, text_of
from tests.ops.smtp_server import smtp_server


@pytest.fixture
def mail_app(database_url, tmp_path):
    """E-mail to a local SMTP server, three attempts, backoff from 10 seconds."""
    with smtp_server() as (inbox, port):
        app = make_app(
            database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            MAIL_MAX_ATTEMPTS=3,
            JOBS_MAX_ATTEMPTS=3,
            JOBS_BACKOFF_SECONDS=10,
        )
        app.test_client_class = Client
        with app.app_context():
            yield app, inbox
            db.session.remove()
            db.engine.dispose()


def _make_due(model, row_id: int) -> None:
    """Pretend the backoff has passed."""
    db.session.execute(update(model).where(model.id == row_id).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _row(model, row_id: int):
    db.session.rollback()
    return db.session.get(model, row_id)


def test_failing_email_backs_off_then_fails_then_an_admin_resends_it(mail_app):
    app, inbox = mail_app
    inbox.refuse = True
    person = factories.person("Rae")
    with transaction():
        [note] = notify([person.id], "result", "The result", "The panel has decided.")
    # The first attempt ran at commit and failed: back to pending, not before ~10 seconds.
    row = _row(Notification, note.id)
    assert (row.email_state, row.email_attempts) == ("pending", 1)
    assert "451" in row.email_error
    wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert 8 < wait <= 10
    # Too early: neither a worker nor the relay touches it.
    assert deliver(note.id) == ("not_due", None)
    assert relay() == {"notifications": 0, "jobs": 0}
    _make_due(Notification, note.id)
    outcome, delay = deliver(note.id)
    assert outcome == "retry" and delay == 20  # the wait doubles
    row = _row(Notification, note.id)
    assert (row.email_state, row.email_attempts) == ("pending", 2)
    _make_due(Notification, note.id)
    assert deliver(note.id) == ("failed", None)
    assert _row(Notification, note.id).email_state == "failed"
    assert inbox.messages == []

    # The administrator sees it; nobody else can.
    client = app.test_client()
    login(client, person.email)
    assert client.get("/admin/deliveries").status_code == 403
    admin = factories.person("Ada")
    db.session.execute(update(Person).where(Person.id == admin.id).values(is_admin=True))
    db.session.commit()
    client.delete_cookie("session")
    login(client, admin.email)
    page = text_of(client.get("/admin/deliveries"))
    assert "The result" in page and person.email in page and "451" in page
    inbox.refuse = False
    response = post_form(client, f"/admin/deliveries/emails/{note.id}/resend", page="/admin/deliveries", follow=True)
    assert "queued to be sent again" in text_of(response)
    assert [m["Subject"] for m in inbox.messages] == ["The result"]
    assert _row(Notification, note.id).email_state == "sent"
    # Resending a sent e-mail does nothing.
    response = post_form(client, f"/admin/deliveries/emails/{note.id}/resend", page="/admin/deliveries", follow=True)
    assert "not waiting for a resend" in text_of(response)
    assert deliver(note.id) == ("not_due", None)
    assert len(inbox.messages) == 1
    assert "No failed e-mails." in text_of(client.get("/admin/deliveries"))


def test_commands_list_and_resend_failed_email(mail_app):
    app, inbox = mail_app
    inbox.refuse = True
    person = factories.person("Rae")
    with transaction():
        [note] = notify([person.id], "result", "The result", "The panel has decided.")
    db.session.execute(update(Notification).values(email_state="failed", email_attempts=3))
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["jobs", "failed"])
    assert f"e-mail {note.id}\tresult\t3 tries" in out.output
    inbox.refuse = False
    assert runner.invoke(args=["mail", "resend", str(note.id)]).exit_code == 0
    assert len(inbox.messages) == 1
    again = runner.invoke(args=["mail", "resend", str(note.id)])
    assert again.exit_code != 0 and "has not failed" in again.output
    db.session.rollback()  # the test's own read snapshot
    assert runner.invoke(args=["jobs", "failed"]).output.strip() == "Nothing has failed."


def test_admin_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["admin", "create", "ada@example.org", "--name", "Ada", "--password", "a long passphrase"]
    )
    assert result.exit_code == 0, result.output
    ada = db.session.execute(select(Person).where(Person.email == "ada@example.org")).scalar_one()
    assert ada.is_admin and ada.display_name == "Ada"
    # An existing account is promoted, not duplicated.
    bob = factories.person("Bob")
    assert runner.invoke(args=["admin", "create", bob.email]).exit_code == 0
    db.session.rollback()
    assert db.session.get(Person, bob.id).is_admin
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


EFFECTS: list[tuple[str, int]] = []
FAILURES: dict[str, int] = {}


@jobs.job("test_transfer", was="old_test_transfer")
def _fake_transfer(key: str, tranche_id: int) -> None:
    """A stand-in for a Stripe transfer: fails while FAILURES says so, else records its effect."""
    if FAILURES.get(key, 0) > 0:
        FAILURES[key] -= 1
        raise ConnectionError("Stripe did not answer")
    EFFECTS.append((key, tranche_id))


def test_outbox_job_runs_once_with_backoff_and_retry(mail_app):
    app, _inbox = mail_app
    EFFECTS.clear()
    FAILURES.clear()
    assert "test_transfer" in HANDLERS
    with transaction():
        enqueue_job("test_transfer", "tranche-1", tranche_id=1)
        enqueue_job("test_transfer", "tranche-1", tranche_id=1)  # the same work twice is one job
    assert db.session.execute(select(func.count(OutboxJob.id))).scalar_one() == 1
    assert EFFECTS == [("tranche-1", 1)]  # ran after the commit
    job = db.session.execute(select(OutboxJob)).scalar_one()
    assert job.state == "done"
    assert run_job(job.id) == ("not_due", None)  # never a second effect
    assert EFFECTS == [("tranche-1", 1)]

    # Nothing is recorded (or run) when the use case fails.
    with pytest.raises(RuntimeError), transaction():
        enqueue_job("test_transfer", "tranche-2", tranche_id=2)
        raise RuntimeError("the use case failed")
    assert db.session.execute(select(func.count(OutboxJob.id))).scalar_one() == 1

    FAILURES["tranche-3"] = 5
    with transaction():
        job3 = enqueue_job("test_transfer", "tranche-3", tranche_id=3)
    row = _row(OutboxJob, job3.id)
    assert (row.state, row.attempts) == ("pending", 1) and "Stripe did not answer" in row.error
    _make_due(OutboxJob, job3.id)
    assert run_job(job3.id) == ("retry", 20)
    _make_due(OutboxJob, job3.id)
    assert run_job(job3.id) == ("failed", None)
    FAILURES["tranche-3"] = 0
    runner = app.test_cli_runner()
    assert "test_transfer\ttranche-3\t3 tries" in runner.invoke(args=["jobs", "failed"]).output
    assert runner.invoke(args=["jobs", "retry", str(job3.id)]).exit_code == 0
    assert EFFECTS == [("tranche-1", 1), ("tranche-3", 3)]
    assert _row(OutboxJob, job3.id).state == "done"

    with pytest.raises(ValueError, match="no handler"), transaction():
        enqueue_job("no_such_work", "x")


def test_a_job_stored_under_its_old_name_still_runs(mail_app):
    """A row written (say, before an upgrade) under the name a job had before it was named by its
    feature runs the job registered now; new work recorded under the old name gets the new name."""
    EFFECTS.clear()
    FAILURES.clear()
    with transaction() as session:
        session.add(OutboxJob(kind="old_test_transfer", key="tranche-old", payload='{"tranche_id": 7}'))
    row = db.session.execute(select(OutboxJob).where(OutboxJob.key == "tranche-old")).scalar_one()
    assert (row.kind, row.state) == ("old_test_transfer", "done")  # the queue ran it after the commit
    assert EFFECTS == [("tranche-old", 7)]
    with transaction():
        job = enqueue_job("old_test_transfer", "tranche-new", tranche_id=8)
    assert _row(OutboxJob, job.id).kind == "test_transfer"
    assert EFFECTS == [("tranche-old", 7), ("tranche-new", 8)]


def test_a_crashed_claim_is_taken_over_after_its_lease(mail_app):
    """A worker that died holding a row: once its lease runs out the relay hands the row on."""
    app, inbox = mail_app
    inbox.refuse = True
    person = factories.person("Rae")
    with transaction():
        [note] = notify([person.id], "result", "The result", "The panel has decided.")
    inbox.refuse = False
    # Simulate a worker that claimed the row and was killed before sending.
    db.session.execute(
        update(Notification)
        .where(Notification.id == note.id)
        .values(email_state="sending", next_attempt_at=None, claimed_until=utcnow() + timedelta(minutes=5))
    )
    db.session.commit()
    assert deliver(note.id) == ("not_due", None)  # still held
    assert relay() == {"notifications": 0, "jobs": 0}
    db.session.execute(
        update(Notification).where(Notification.id == note.id).values(claimed_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert relay() == {"notifications": 1, "jobs": 0}
    assert len(inbox.messages) == 1
    assert _row(Notification, note.id).email_state == "sent"


def test_a_crash_between_commit_and_queueing_loses_nothing(mail_app, monkeypatch):
    """The queue is down (or the process dies) right after the use case commits: the bid is
    saved, its e-mail waits in the outbox, and the relay sends it later, once."""
    from grants.jobs import tasks

    app, inbox = mail_app

    def queue_down(*_args, **_kwargs):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(tasks, "deliver_notification", queue_down)
    convenor, lead = factories.person("Cara"), factories.person("Gus")
    rnd = factories.open_round(convenor)
    bid = factories.proposal(lead, rnd.id, factories.group(lead), 100_000)  # the use case still succeeds
    note = db.session.execute(select(Notification).where(Notification.event == "bid_received")).scalar_one()
    assert note.email_state == "pending" and inbox.messages == []
    assert bid.id

    monkeypatch.undo()
    assert relay() == {"notifications": 1, "jobs": 0}  # what a worker does at start and every minute
    assert [m["To"] for m in inbox.messages] == [lead.email]
    assert relay() == {"notifications": 0, "jobs": 0}
    assert len(inbox.messages) == 1


def _secret_rows(note_id: int) -> int:
    from grants.models.notifications import NotificationSecret

    db.session.rollback()
    return db.session.execute(
        select(func.count()).select_from(NotificationSecret).where(NotificationSecret.notification_id == note_id)
    ).scalar_one()


def _reset_waiting(person: Person, inbox) -> Notification:  # noqa: ANN001
    """A password-reset e-mail a worker holds (its link's token kept, encrypted, until it goes)."""
    from grants.models.notifications import SECRET_MARK

    inbox_down = {"email_state": "sending", "next_attempt_at": None, "claimed_until": utcnow() + timedelta(minutes=5)}
    inbox.refuse = True  # the first attempt, at the commit, fails: the e-mail waits
    with transaction():
        [note] = notify(
            [person.id], "password_reset", "Reset", "Use the link.", link=f"/reset/{SECRET_MARK}", secret="tok-1"
        )
    inbox.refuse = False
    db.session.execute(update(Notification).where(Notification.id == note.id).values(inbox_down))
    db.session.commit()
    assert _secret_rows(note.id) == 1
    return note


def test_a_sent_emails_secret_goes_in_the_transaction_that_records_it_sent(mail_app, monkeypatch):
    """If forgetting the secret fails, the e-mail is not recorded as sent either: no crash
    between the two can leave a sent e-mail's secret behind (they were two transactions)."""
    from grants.jobs import outbox

    app, inbox = mail_app
    note = _reset_waiting(factories.person("Rae"), inbox)
    db.session.execute(update(Notification).where(Notification.id == note.id).values(claimed_until=utcnow()))
    db.session.commit()

    real_execute = outbox.Session.execute

    def dies_on_the_delete(self, statement, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if getattr(statement, "is_delete", False):
            raise ConnectionError("the server went away")
        return real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(outbox.Session, "execute", dies_on_the_delete)
    with pytest.raises(ConnectionError):
        deliver(note.id)
    monkeypatch.undo()
    assert _row(Notification, note.id).email_state == "sending"  # not recorded as sent
    assert _secret_rows(note.id) == 1
    # Once the lease lapses it is taken over and sent again (the same Message-ID: one e-mail in
    # the reader's mail program), and only then is the secret gone.
    db.session.execute(
        update(Notification).where(Notification.id == note.id).values(claimed_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert deliver(note.id) == ("sent", None)
    assert _row(Notification, note.id).email_state == "sent"
    assert _secret_rows(note.id) == 0
    assert len({m["Message-ID"] for m in inbox.messages}) == 1


def test_a_worker_whose_claim_was_taken_over_leaves_the_secret_for_the_worker_holding_it(mail_app):
    from grants.jobs.outbox import claim, finish
    from grants.models.notifications import NotificationSecret

    app, inbox = mail_app
    note = _reset_waiting(factories.person("Rae"), inbox)
    # The first worker's lease ran out and a second worker claimed the row.
    db.session.execute(
        update(Notification).where(Notification.id == note.id).values(claimed_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert claim(Notification, note.id, "email_state", "sending", "email_attempts")
    # The first worker comes back and records its outcome over the second's claim: refused, so
    # the second still has the secret to write its e-mail with.
    forget = delete(NotificationSecret).where(NotificationSecret.notification_id == note.id)
    assert finish(Notification, note.id, "email_state", "pending", {"email_state": "sent"}, then=[forget]) is False
    assert _secret_rows(note.id) == 1
    assert finish(Notification, note.id, "email_state", "sending", {"email_state": "sent"}, then=[forget]) is True
    assert _secret_rows(note.id) == 0
