"""The huey tasks. Each one only carries a row id: the database row is the truth."""

from __future__ import annotations

from huey import crontab
from huey.exceptions import RetryTask

from grants.jobs.queue import huey, run_in_fresh_context


@huey.task(name="deliver_notification")
def deliver_notification(notification_id: int) -> str:
    """Send one notification by e-mail (if the person wants it), retrying with backoff."""
    from grants.notifications.delivery import deliver

    outcome, delay = run_in_fresh_context(deliver, notification_id)
    if outcome == "retry":
        raise RetryTask(f"e-mail {notification_id} will be tried again", delay=delay)
    return outcome


@huey.task(name="run_outbox_job")
def run_outbox_job(job_id: int) -> str:
    """Run one outbox job's handler, retrying with backoff."""
    from grants.jobs.outbox import run_job

    outcome, delay = run_in_fresh_context(run_job, job_id)
    if outcome == "retry":
        raise RetryTask(f"job {job_id} will be tried again", delay=delay)
    return outcome


@huey.periodic_task(crontab(minute="*"), name="relay_outbox")
def relay_outbox() -> dict[str, int]:
    """Every minute: queue again anything a crash or a lost queue message left behind."""
    from grants.jobs.outbox import relay

    return run_in_fresh_context(relay, 30.0)


@huey.periodic_task(crontab(minute="0", hour="9"), name="remind_panels")
def remind_panels() -> int:
    """Every morning at 09:00 UTC: remind panel members whose vote closes within two days."""
    from grants.models._base import utcnow
    from grants.notifications.reminders import remind_panels as remind

    return run_in_fresh_context(remind, utcnow())


@huey.periodic_task(crontab(minute="0", hour="10"), name="report_due_notices")
def report_due_notices() -> int:
    """Every morning at 10:00 UTC: tell groups' leads, once, that an end-of-grant report has fallen due."""
    from grants.models._base import utcnow
    from grants.updates.services import send_report_due_notices

    return run_in_fresh_context(send_report_due_notices, utcnow().date())


@huey.periodic_task(crontab(minute="30", hour="6"), name="reconcile_stripe")
def reconcile_stripe() -> str | None:
    """Every morning at 06:30 UTC: record the day's reconcile run (once, however many workers get here)."""
    from grants.models._base import utcnow
    from grants.money.reconcile import schedule_daily_reconcile

    return run_in_fresh_context(schedule_daily_reconcile, utcnow().date())


@huey.periodic_task(crontab(minute="5"), name="send_due_tranches")
def send_due_tranches() -> int:
    """Every hour: record the send job for each Stripe payment scheduled for a day that has come."""
    from grants.models._base import utcnow
    from grants.money.payouts import queue_due_tranches

    return run_in_fresh_context(queue_due_tranches, utcnow().date())


@huey.periodic_task(crontab(minute="*/5"), name="move_tables_on")
def move_tables_on() -> int:
    """Every five minutes: move on each table whose timetable says so (close bids, open and close voting)."""
    from grants.models._base import utcnow
    from grants.rounds.timetable import move_due

    return sum(move.moved for move in run_in_fresh_context(move_due, utcnow()))
