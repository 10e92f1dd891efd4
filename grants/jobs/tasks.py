"""The huey side of background work: the tasks the worker runs, and handing committed rows to the queue.

Each task only carries a row id (the database row is the truth), and finds what to do by a
registered name (grants/jobs/registry.py): nothing here imports a feature. The names the
tasks are stored under in the queue ("grants.jobs.tasks.<name>") never change.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from huey import crontab
from huey.exceptions import RetryTask
from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session

from grants.extensions import db
from grants.jobs import outbox, registry
from grants.jobs.queue import huey, run_in_fresh_context
from grants.models import Notification, OutboxJob
from grants.models._base import utcnow

log = logging.getLogger(__name__)


@huey.task(name="deliver_notification")
def deliver_notification(notification_id: int) -> str:
    """Send one notification by e-mail (if the person wants it), retrying with backoff."""
    outcome, delay = run_in_fresh_context(registry.runner_for("notifications.deliver"), notification_id)
    if outcome == "retry":
        raise RetryTask(f"e-mail {notification_id} will be tried again", delay=delay)
    return outcome


@huey.task(name="run_outbox_job")
def run_outbox_job(job_id: int) -> str:
    """Run one outbox job's handler, retrying with backoff."""
    outcome, delay = run_in_fresh_context(outbox.run_job, job_id)
    if outcome == "retry":
        raise RetryTask(f"job {job_id} will be tried again", delay=delay)
    return outcome


@huey.periodic_task(crontab(minute="*"), name="relay_outbox")
def relay_outbox() -> dict[str, int]:
    """Every minute: queue again anything a crash or a lost queue message left behind."""
    return run_in_fresh_context(relay, 30.0)


# ---------------------------------------------------------------- after the commit

_PENDING = "ot_outbox_pending"


@event.listens_for(Session, "after_flush")
def _collect_new_rows(session: Session, _ctx: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Notification | OutboxJob):
            eta = obj.next_attempt_at if isinstance(obj, OutboxJob) else None
            session.info.setdefault(_PENDING, []).append((type(obj).__name__, obj.id, eta))


@event.listens_for(Session, "after_commit")
def _queue_committed_rows(session: Session) -> None:
    # SQLAlchemy also reports the release of a SAVEPOINT (begin_nested) as a commit; the
    # rows are only safe to hand on once the outermost transaction has committed.
    if session.get_nested_transaction() is not None:
        return
    rows = session.info.pop(_PENDING, [])
    for kind, row_id, eta in rows:
        _send_to_queue(kind, row_id, eta)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_rows(session: Session, previous: Any) -> None:
    if previous.nested:
        return  # a SAVEPOINT rolled back; the outer transaction (and its rows) goes on
    session.info.pop(_PENDING, None)


def _send_to_queue(kind: str, row_id: int, eta: datetime | None = None) -> None:
    # The row is committed: if queueing fails now, the relay picks it up later. A failure
    # here must never look like a failure of the use case that already committed.
    try:
        if kind == "Notification":
            deliver_notification(row_id)
        elif eta is not None and eta > utcnow():
            run_outbox_job.schedule((row_id,), eta=eta)  # the worker's scheduler holds it until then
        else:
            run_outbox_job(row_id)
    except Exception:
        log.exception("could not queue %s %s; the relay will retry", kind, row_id)


def relay(grace_seconds: float = 0.0, now: datetime | None = None) -> dict[str, int]:
    """Queue every row that is due and not held by a live worker. Safe to run any time."""
    now = now or utcnow()
    born_before = now - timedelta(seconds=grace_seconds)
    notes = db.session.execute(
        select(Notification.id).where(
            or_(
                and_(
                    Notification.email_state == "pending",
                    Notification.created_at <= born_before,
                    or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
                ),
                and_(Notification.email_state == "sending", Notification.claimed_until < now),
            )
        )
    ).scalars()
    note_ids = list(notes)
    jobs = db.session.execute(
        select(OutboxJob.id).where(
            or_(
                and_(
                    OutboxJob.state == "pending",
                    OutboxJob.created_at <= born_before,
                    or_(OutboxJob.next_attempt_at.is_(None), OutboxJob.next_attempt_at <= now),
                ),
                and_(OutboxJob.state == "running", OutboxJob.claimed_until < now),
            )
        )
    ).scalars()
    job_ids = list(jobs)
    db.session.rollback()  # end the read before queueing (immediate mode runs jobs right here)
    for nid in note_ids:
        _send_to_queue("Notification", nid)
    for jid in job_ids:
        _send_to_queue("OutboxJob", jid)
    return {"notifications": len(note_ids), "jobs": len(job_ids)}


def retry_now(model: type, row_id: int) -> bool:
    """Give a failed row a fresh set of attempts and queue it (the administrator's resend). True if it was failed."""
    if not outbox.reset_failed(model, row_id):
        return False
    _send_to_queue(model.__name__, row_id)
    return True
