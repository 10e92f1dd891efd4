"""The transactional outbox: record work in the caller's transaction, and claim it (once) in
the worker. Handing committed rows to the queue is grants/jobs/tasks.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Executable, and_, or_, select, update
from sqlalchemy.orm import Session

from grants.db_setup import write_intent
from grants.extensions import db
from grants.jobs import registry
from grants.models import Notification, OutboxJob
from grants.models._base import utcnow

log = logging.getLogger(__name__)


def enqueue_job(kind: str, key: str, *, run_after: datetime | None = None, **payload: Any) -> OutboxJob:
    """Record work to do after this transaction commits (not before `run_after`, if given).

    `kind` is the name the job was registered under (grants/jobs/registry.py). The same key
    twice is one job."""
    kind = registry.canonical(kind)
    if kind not in registry.HANDLERS:
        raise ValueError(f"no handler registered for background job {kind!r}")
    existing = db.session.execute(select(OutboxJob).where(OutboxJob.key == key)).scalar_one_or_none()
    if existing is not None:
        return existing
    job = OutboxJob(kind=kind, key=key, payload=json.dumps(payload, sort_keys=True), next_attempt_at=run_after)
    db.session.add(job)
    return job


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


def finish(
    model: type,
    row_id: int,
    state_col: str,
    busy_state: str,
    values: dict[str, Any],
    *,
    then: Sequence[Executable] = (),
) -> bool:
    """Record the outcome of a claimed row (only while this worker's claim stands); True if it stood.

    The statements `then` belong to the same outcome: they run in the same transaction, and only
    when the claim stood (another worker that took the row over records its own outcome)."""
    with write_intent(), Session(db.engine) as session:
        result = session.execute(
            update(model)
            .where(model.id == row_id, getattr(model, state_col) == busy_state)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        stood = result.rowcount == 1
        if stood:
            for statement in then:
                session.execute(statement)
        session.commit()
    return stood


def run_job(job_id: int) -> tuple[str, float | None]:
    """Claim one outbox job and run its handler. Returns (outcome, retry delay)."""
    if not claim(OutboxJob, job_id, "state", "running", "attempts"):
        return "not_due", None
    db.session.rollback()  # read what the claim wrote, not an older snapshot
    job = db.session.get(OutboxJob, job_id, populate_existing=True)
    kind, key, payload, attempts = job.kind, job.key, json.loads(job.payload or "{}"), job.attempts
    db.session.rollback()
    handler = registry.handler_for(kind)  # a row stored under a job's old name still runs
    try:
        if handler is None:
            raise LookupError(f"no handler registered for background job {kind!r}")
        handler(key=key, **payload)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        db.session.rollback()  # whatever the handler left open (on SQLite, a stale snapshot) ends here
        log.warning("background job %s (%s) failed on attempt %s: %s", job_id, kind, attempts, exc)
        return record_failure(OutboxJob, job_id, "state", "running", "error", attempts, exc, "JOBS_MAX_ATTEMPTS")
    finish(OutboxJob, job_id, "state", "running", {"state": "done", "finished_at": utcnow(), "claimed_until": None})
    return "done", None


def record_failure(
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


def reset_failed(model: type, row_id: int) -> bool:
    """Give a failed row a fresh set of attempts. True if it was failed (grants.jobs.retry_now also queues it)."""
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
    return result.rowcount == 1
