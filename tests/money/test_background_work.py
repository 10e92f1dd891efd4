"""Stripe's webhooks and reconciling run as background jobs: the webhook view only stores the
event and its job (one transaction) and answers; the worker acts on it, retrying with backoff;
a reconcile run is a job too, recorded once per run name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from grants.extensions import db
from grants.jobs import huey, relay
from grants.jobs.outbox import run_job
from grants.ledger import books
from grants.models import Contribution, Notification, OutboxJob, Person, StripeEvent
from grants.models._base import utcnow
from tests.conftest import Client, login, make_app, post_form, text_of
from tests.fakes.fake_stripe import FakeStripe
from tests.money.conftest import deliver, stripe_config
from tests.money.test_money_in import _checkout_through_ui, _pledged


def _app(database_url: str, tmp_path, fake: FakeStripe, **settings) -> Iterator[Flask]:  # noqa: ANN001, ANN003
    app = make_app(database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"), **stripe_config(fake), **settings)
    app.test_client_class = Client
    with app.app_context():
        yield app
        app.extensions["stripe_gateway"].close()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def queued_app(database_url, tmp_path, fake) -> Iterator[Flask]:  # noqa: ANN001
    """Jobs wait in a real (SQLite) huey queue until the test runs the worker's loop."""
    yield from _app(database_url, tmp_path, fake, JOBS_URL=f"sqlite:///{tmp_path / 'jobs.sqlite3'}")


@pytest.fixture
def retry_app(database_url, tmp_path, fake) -> Iterator[Flask]:  # noqa: ANN001
    """Jobs run at commit; three attempts, the wait doubling from 10 seconds."""
    yield from _app(database_url, tmp_path, fake, JOBS_MAX_ATTEMPTS=3, JOBS_BACKOFF_SECONDS=10)


def _work_the_queue() -> int:
    """What `flask worker` does: take each queued task and run it. Returns how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def _count(model, *where) -> int:  # noqa: ANN001
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _job(kind: str) -> OutboxJob:
    db.session.rollback()
    return db.session.execute(select(OutboxJob).where(OutboxJob.kind == kind)).scalar_one()


def _make_due(job_id: int) -> None:
    db.session.execute(
        update(OutboxJob).where(OutboxJob.id == job_id).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def _paid_checkout(client, fake):  # noqa: ANN001, ANN202
    rnd, funder_person, item = _pledged()
    checkout = _checkout_through_ui(client, fake, funder_person, item)
    fake.complete_checkout_session(checkout.session_id, fee_pence=745)
    client.delete_cookie("session")
    return rnd, checkout, fake.event("checkout.session.completed", checkout.session_id)


def test_the_webhook_stores_the_event_and_the_worker_applies_it(queued_app, fake) -> None:
    client = queued_app.test_client()
    rnd, checkout, event = _paid_checkout(client, fake)
    _work_the_queue()  # whatever the set-up queued (e-mails)
    for _ in range(3):  # Stripe delivers, and delivers again
        response = deliver(client, event)
        assert response.status_code == 200 and response.get_json()["received"] is True
    # The view wrote the event and its job, nothing else: no ledger entry, no call to Stripe.
    stored = db.session.execute(select(StripeEvent)).scalar_one()
    assert stored.processed_at is None and stored.payload and event["id"] in stored.payload
    job = _job("money.stripe_webhook")
    assert (job.state, job.key) == ("pending", f"stripe-event-{event['id']}")
    assert books.round_summary(rnd.id).received_pence == 0
    assert _count(Contribution) == 0
    assert not fake.requests_to("GET", f"/v1/checkout/sessions/{checkout.session_id}")

    assert _work_the_queue() == 1  # one job, however many deliveries
    db.session.rollback()  # the test's own read snapshot
    money = books.round_summary(rnd.id)
    assert (money.received_pence, money.fees_pence) == (50_000, 745)
    db.session.refresh(stored)
    assert stored.processed_at is not None and stored.outcome == "recorded 50000p"
    assert stored.payload is None  # the funder's details are not kept once acted on
    assert _job("money.stripe_webhook").state == "done"

    # A late replay, and the relay after a restart, change nothing.
    assert deliver(client, event).get_json()["outcome"] == "already received"
    relay()
    _work_the_queue()
    assert _count(Contribution) == 1 and _count(OutboxJob, OutboxJob.kind == "money.stripe_webhook") == 1


def test_a_webhook_whose_processing_fails_is_retried_with_backoff_and_applied_once(retry_app, fake) -> None:
    client = retry_app.test_client()
    rnd, checkout, event = _paid_checkout(client, fake)
    fake.fail_next(f"/v1/checkout/sessions/{checkout.session_id}", method="GET", status=500, times=2)
    assert deliver(client, event).status_code == 200  # Stripe hears "received" whatever the worker meets
    job = _job("money.stripe_webhook")
    assert (job.state, job.attempts) == ("pending", 1) and "500" in job.error
    assert 8 < (job.next_attempt_at - utcnow()).total_seconds() <= 10
    assert books.round_summary(rnd.id).received_pence == 0
    assert deliver(client, event).status_code == 200  # a replay meanwhile is the same job
    assert run_job(job.id) == ("not_due", None)  # not before the backoff

    _make_due(job.id)
    assert run_job(job.id) == ("retry", 20)  # still failing: the wait doubles
    assert books.round_summary(rnd.id).received_pence == 0
    _make_due(job.id)
    assert run_job(job.id) == ("done", None)
    assert books.round_summary(rnd.id).received_pence == 50_000
    for _ in range(3):
        deliver(client, event)
    assert run_job(job.id) == ("not_due", None)
    assert books.round_summary(rnd.id).received_pence == 50_000
    assert _count(Contribution) == 1 and _count(StripeEvent) == 1


def test_a_webhook_that_keeps_failing_is_shown_to_an_administrator_who_runs_it_again(retry_app, fake) -> None:
    client = retry_app.test_client()
    rnd, checkout, event = _paid_checkout(client, fake)
    fake.fail_next(f"/v1/checkout/sessions/{checkout.session_id}", method="GET", status=500, times=3)
    deliver(client, event)
    job = _job("money.stripe_webhook")
    for _ in range(2):
        _make_due(job.id)
        run_job(job.id)
    assert _job("money.stripe_webhook").state == "failed"

    from tests import factories

    admin = factories.person("Ada Admin")
    db.session.execute(update(Person).where(Person.id == admin.id).values(is_admin=True))
    db.session.commit()
    login(client, admin.email)
    page = text_of(client.get("/admin/deliveries"))
    assert f"stripe-event-{event['id']}" in page
    response = post_form(client, f"/admin/deliveries/jobs/{job.id}/retry", page="/admin/deliveries", follow=True)
    assert "queued to run again" in text_of(response)
    assert _job("money.stripe_webhook").state == "done"
    assert books.round_summary(rnd.id).received_pence == 50_000
    assert _count(Contribution) == 1


def test_reconcile_runs_as_a_job_once_per_run_and_tells_the_administrators(retry_app, fake) -> None:
    from grants.jobs import run_periodic
    from tests import factories

    admin = factories.person("Ada Admin")
    db.session.execute(update(Person).where(Person.id == admin.id).values(is_admin=True))
    db.session.commit()
    runner = retry_app.test_cli_runner()

    # The ledger and Stripe agree: the run is a job that ends quietly.
    result = runner.invoke(args=["reconcile", "--run", "first"])
    assert result.exit_code == 0 and "Reconcile queued as background job" in result.output
    assert _job("money.reconcile").state == "done" and _job("money.reconcile").key == "reconcile-first"
    assert _count(Notification) == 0

    # Stripe paid money out that the ledger has not heard of: the next run tells the administrators, once.
    payout = fake.add_payout(1_000)
    for _ in range(2):
        result = runner.invoke(args=["reconcile", "--run", "second"])
        assert result.exit_code == 0
    assert "already recorded" in result.output and "it is not repeated" in result.output
    db.session.rollback()
    [note] = db.session.execute(select(Notification)).scalars().all()
    assert note.person_id == admin.id and note.event == "money_alert"
    assert note.subject.startswith("The ledger and Stripe differ in") and f"payout: {payout['id']}" in note.body
    assert _count(OutboxJob, OutboxJob.kind == "money.reconcile") == 2
    assert runner.invoke(args=["reconcile", "--run", "no spaces please"]).exit_code != 0

    # The worker's morning task records the day's run once, however often it fires.
    assert run_periodic("money.reconcile_daily") == f"reconcile-daily-{utcnow().date().isoformat()}"
    assert run_periodic("money.reconcile_daily") == f"reconcile-daily-{utcnow().date().isoformat()}"
    assert _count(OutboxJob, OutboxJob.kind == "money.reconcile") == 3
    assert _count(Notification) == 2  # the daily run found the same difference and said so once
    # Inline, for an administrator at the terminal.
    result = runner.invoke(args=["reconcile", "--now"])
    assert result.exit_code != 0 and f"payout: {payout['id']}" in result.output


def test_stripe_payments_are_sent_on_their_day_and_retried_until_stripe_answers(retry_app, fake) -> None:
    """A payment scheduled for a later day is sent by the worker's hourly task once that day
    comes; a transfer whose answer never arrived is asked again (same key) after the backoff."""
    from datetime import date

    from grants.jobs import run_periodic
    from grants.models import Tranche, TrancheStatus
    from grants.money.payouts import queue_due_tranches, release_tranche
    from tests.money.conftest import awarded_round
    from tests.money.test_money_out import _connect

    client = retry_app.test_client()
    s = awarded_round(100_000, [60_000])
    _connect(client, fake, s, s.groups[0])
    later = release_tranche(
        person=s.funder_person, award_id=s.awards[0].id, amount_pence=10_000, due_on=date.today() + timedelta(days=3)
    )
    assert later.status is TrancheStatus.SCHEDULED
    assert run_periodic("money.send_due_tranches") == 0  # not yet
    assert _count(OutboxJob, OutboxJob.kind == "money.send_tranche") == 0
    on_the_day = date.today() + timedelta(days=3)
    assert [queue_due_tranches(on_the_day), queue_due_tranches(on_the_day)] == [1, 0]  # sent at once, then paid
    db.session.rollback()
    assert db.session.get(Tranche, later.id).status is TrancheStatus.PAID
    assert _count(OutboxJob, OutboxJob.kind == "money.send_tranche") == 1
    assert len(fake.objects_of("transfer")) == 1

    # Stripe makes the transfer but its answer is lost: the job waits, then asks again with the same key.
    fake.drop_next_response("/v1/transfers")
    lost = release_tranche(person=s.funder_person, award_id=s.awards[0].id, amount_pence=20_000)
    assert lost.status is TrancheStatus.PROCESSING
    job = db.session.execute(select(OutboxJob).where(OutboxJob.key == lost.idempotency_key)).scalar_one()
    assert job.state == "pending" and "not confirmed" in job.error
    _make_due(job.id)
    assert run_job(job.id) == ("done", None)
    db.session.rollback()
    assert db.session.get(Tranche, lost.id).status is TrancheStatus.PAID
    assert len(fake.objects_of("transfer")) == 2
    assert books.round_summary(s.rnd.id).paid_pence == 30_000
