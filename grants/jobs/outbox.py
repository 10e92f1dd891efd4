"""The transactional outbox: record work in the caller's transaction, relay it to the queue
after the commit, and claim it (once) in the worker."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from grants.db_setup import write_intent
from grants.extensions import db
from grants.models import Notification, OutboxJob
from grants.models._base import utcnow

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[..., Any]] = {}


def job_handler(kind: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn(key=..., **payload)` as the handler for outbox jobs of this kind.

    The handler runs in the worker, in an app context, as its own use case. It must be safe
    to call again with the same key (pass `key` to Stripe as the idempotency key).
    """

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        HANDLERS[kind] = fn
        return fn

    return decorator


def enqueue_job(kind: str, key: str, *, run_after: datetime | None = None, **payload: Any) -> OutboxJob:
    """Record work to do after this transaction commits (not before `run_after`, if given).

    The same key twice is one job."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler registered for background job {kind!r}")
    existing = db.session.execute(select(OutboxJob).where(OutboxJob.key == key)).scalar_one_or_none()
    if existing is not None:
        return existing
    job = OutboxJob(kind=kind, key=key, payload=json.dumps(payload, sort_keys=True), next_attempt_at=run_after)
    db.session.add(job)
    return job


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
    from grants.jobs import tasks

    try:
        if kind == "Notification":
            tasks.deliver_notification(row_id)
        elif eta is not None and eta > utcnow():
            tasks.run_outbox_job.schedule((row_id,), eta=eta)  # the worker's scheduler holds it until then
        else:
            tasks.run_outbox_job(row_id)
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


def backoff_seconds(attempts: int) -> float:
    """How long to wait after the n-th failed attempt: doubling from JOBS_BACKOFF_SECONDS, at most a day."""
    base = float(current_app.config.get("JOBS_BACKOFF_SECONDS", 30))
    return min(base * (2 ** max(attempts - 1, 0)), 86400.0)


def lease() -> timedelta:
    """How long a claim holds before another worker may take the row over."""
    return timedelta(seconds=float(current_app.config.get("JOBS_LEASE_SECONDS", 300)))


def claim(model: type, row_id: int, state_col: str, busy_state: str, attempts_col: str) -> bool:
    """Atomically move a due row to `busy_state` with a lease. True if this worker now holds it."""
    now = utcnow()
    state = getattr(model, state_col)
    with write_intent(), Session(db.engine) as session:
        result = session.execute(
            update(model)
            .where(
                model.id == row_id,
                or_(
                    and_(
                        state == "pending",
                        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                    ),
                    and_(state == busy_state, model.claimed_until < now),
                ),
            )
            .values(
                {state_col: busy_state, "claimed_until": now + lease(), attempts_col: getattr(model, attempts_col) + 1}
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return result.rowcount == 1


def finish(model: type, row_id: int, state_col: str, busy_state: str, values: dict[str, Any]) -> None:
    """Record the outcome of a claimed row (only while this worker's claim stands)."""
    with write_intent(), Session(db.engine) as session:
        session.execute(
            update(model)
            .where(model.id == row_id, getattr(model, state_col) == busy_state)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def run_job(job_id: int) -> tuple[str, float | None]:
    """Claim one outbox job and run its handler. Returns (outcome, retry delay)."""
    if not claim(OutboxJob, job_id, "state", "running", "attempts"):
        return "not_due", None
    db.session.rollback()  # read what the claim wrote, not an older snapshot
    job = db.session.get(OutboxJob, job_id, populate_existing=True)
    kind, key, payload, attempts = job.kind, job.key, json.loads(job.payload or "{}"), job.attempts
    db.session.rollback()
    handler = HANDLERS.get(kind)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for background job {kind!r}")
        handler(key=key, **payload)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        db.session.rollback()  # whatever the handler left open (on SQLite, a stale snapshot) ends here
        log.warning("background job %s (%s) failed on attempt %s: %s", job_id, kind, attempts, exc)
        return _failed(OutboxJob, job_id, "state", "running", "error", attempts, exc, "JOBS_MAX_ATTEMPTS")
    finish(OutboxJob, job_id, "state", "running", {"state": "done", "finished_at": utcnow(), "claimed_until": None})
    return "done", None


def _failed(
    model: type, row_id: int, state_col: str, busy: str, error_col: str, attempts: int, exc: Exception, max_key: str
) -> tuple[str, float | None]:
    message = f"{type(exc).__name__}: {exc}"[:2000]
    if attempts >= int(current_app.config.get(max_key, 6)):
        finish(model, row_id, state_col, busy, {state_col: "failed", error_col: message, "claimed_until": None})
        return "failed", None
    delay = backoff_seconds(attempts)
    finish(
        model,
        row_id,
        state_col,
        busy,
        {
            state_col: "pending",
            error_col: message,
            "claimed_until": None,
            "next_attempt_at": utcnow() + timedelta(seconds=delay),
        },
    )
    return "retry", delay


def retry_now(model: type, row_id: int) -> bool:
    """Give a failed row a fresh set of attempts (the administrator's resend). True if it was failed."""
    state_col, attempts_col, error_col = (
        ("email_state", "email_attempts", "email_error") if model is Notification else ("state", "attempts", "error")
    )
    with write_intent(), Session(db.engine) as session:
        result = session.execute(
            update(model)
            .where(model.id == row_id, getattr(model, state_col) == "failed")
            .values({state_col: "pending", attempts_col: 0, error_col: None, "next_attempt_at": None})
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if result.rowcount != 1:
        return False
    _send_to_queue(model.__name__, row_id)
    return True
